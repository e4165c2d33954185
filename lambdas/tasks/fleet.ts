import { InvalidInput } from '../../core/errors.ts';
import { recordTargetStep } from '../../core/fleet/record.ts';
import { planWaves } from '../../core/fleet/waves.ts';
import { renewLease } from '../../core/locks/hold.ts';
import {
  FleetInputSchema,
  type FleetPlan,
  FleetPlanEventSchema,
  FleetRecordEventSchema,
} from '../fleet-events.ts';
import { defineTask } from './define-task.ts';

/** A failure cause kept in a record: enough to read, never a whole stack. */
const MAX_CAUSE = 2_000;

/**
 * FleetPlan: validates the fleet input (`InvalidInput` naming the field or the duplicate target),
 * splits the targets into the canary and the waves, and says what every target's own Plan gets. It
 * connects to no database: a target that cannot be reached fails as that target.
 *
 * @example
 * await fleetPlanTask(deps, migrations)({ input: { release: 'v42', targets }, executionId, defaults: { toleratedFailurePercentage: 10 } });
 */
export const fleetPlanTask = defineTask({
  name: 'fleetPlan',
  input: FleetPlanEventSchema,
  logKeys: (event) => ({ executionId: event.executionId }),
  async run({ event, log }): Promise<FleetPlan> {
    const parsed = FleetInputSchema.safeParse(event.input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
      throw new InvalidInput(
        `invalid fleet input: ${problems.join('; ')}. Expected {"release": "v42", "targets": [{"name": "tenant-1", "secretArn": "arn:aws:secretsmanager:…"}], "canary": 1, "toleratedFailurePercentage": 10} (see docs/fleet.md)`,
      );
    }
    const input = parsed.data;
    const seen = new Set<string>();
    for (const [index, target] of input.targets.entries()) {
      if (seen.has(target.name)) {
        throw new InvalidInput(
          `invalid fleet input: targets.${index}: the name ${target.name} is used twice; every target needs its own name`,
        );
      }
      seen.add(target.name);
    }
    const waves = planWaves(input.targets, {
      canary: input.canary,
      waveSize: input.waveSize,
      toleratedFailurePercentage:
        input.toleratedFailurePercentage ?? event.defaults.toleratedFailurePercentage,
    });
    const runContract = input.phases.includes('contract');
    log.info(
      `fleet of ${input.targets.length} targets: ${waves.map((w) => w.targets.length).join(' + ')} in ${waves.length} waves`,
    );
    return {
      release: input.release,
      executionId: event.executionId,
      targets: input.targets,
      input: {
        release: input.release,
        phases: input.phases,
        gates: { afterExpand: false, beforeContract: false },
        outOfOrder: input.outOfOrder,
        ...(input.allowLintErrors ? { allowLintErrors: input.allowLintErrors } : {}),
      },
      waves,
      waveCount: waves.length,
      gate: runContract && input.gates.beforeContract,
      gateTarget: input.targets[0]!,
      runContract,
      onFailure: input.onFailure,
      onGateReject: input.onGateReject,
    };
  },
});

/**
 * FleetRecord: writes a step of one target's rollout (started, expanded, failed with its error, …) into
 * that target's own `zerodown.events`, where `zerodown fleet status` reads it. With `holdSeconds` (an
 * expanded target) it first renews the target's lease to outlast the fleet gate's wait.
 *
 * @example
 * await fleetRecordTask(deps, migrations)({ target, executionId, release: 'v42', status: 'expanded' });
 */
export const fleetRecordTask = defineTask({
  name: 'fleetRecord',
  input: FleetRecordEventSchema,
  logKeys: (event) => ({ executionId: event.executionId }),
  run: ({ event, log, settings, database }) =>
    database(async (client) => {
      // an expanded target waits for the fleet gate with no task of its own renewing its lease
      if (event.holdSeconds)
        await renewLease(client, event.executionId, event.holdSeconds * 1000 + settings.leaseTtlMs);
      const undo = event.status === 'held' || event.status === 'rolled_back';
      const recorded = await recordTargetStep(
        client,
        event.executionId,
        {
          release: event.release,
          status: event.status,
          ...(event.failure?.Error ? { error: event.failure.Error } : {}),
          ...(event.failure?.Cause ? { cause: event.failure.Cause.slice(0, MAX_CAUSE) } : {}),
        },
        { onlyIfStarted: undo },
      );
      if (recorded)
        log.info(`target ${event.status}${event.failure?.Error ? `: ${event.failure.Error}` : ''}`);
      return { status: recorded ? event.status : null };
    }),
});
