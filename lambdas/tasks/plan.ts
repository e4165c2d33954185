import { dirname, resolve } from 'node:path';
import { loadProjectConfig } from '../../core/lint/index.ts';
import { planExecution } from '../../core/plan/plan.ts';
import { PlanEventSchema, type PlanResult } from '../events.ts';
import { parseWorkflowInput } from '../input.ts';
import { defineTask, taskLog } from './define-task.ts';

/**
 * The Plan task: validates the workflow input (`InvalidInput`), loads the migrations (checksums),
 * refuses drift (`DriftDetected`), lints what will be applied (`LintFailed` unless the input overrides
 * it with a reason) and decides what each phase applies and which gates wait. Returns ids and flags only.
 *
 * @example
 * const plan = await planTask(deps, migrations)({ input: { release: 'v42' }, executionId: 'arn:…' });
 */
export const planTask = defineTask({
  name: 'plan',
  input: PlanEventSchema,
  logKeys: (event) => ({ executionId: event.executionId }),
  async run({ event, log: executionLog, deps, migrations, database }): Promise<PlanResult> {
    const input = parseWorkflowInput(event.input);
    const log = taskLog(executionLog, { release: input.release }); // the release is known once the input is valid
    const all = await migrations();
    const config = await loadProjectConfig(dirname(resolve(deps.migrationsDir)));
    const plan = await database((client) =>
      planExecution(client, all, {
        release: input.release,
        executionId: event.executionId,
        phases: input.phases,
        namedContracts: input.contract,
        allowLintErrors: input.allowLintErrors,
        outOfOrder: input.outOfOrder,
        lintConfig: config.lint,
        versionedSchema: input.versionedSchema ?? config.versionedSchema,
        dryRun: input.dryRun,
        log,
      }),
    );
    const result: PlanResult = {
      release: input.release,
      executionId: event.executionId,
      dryRun: input.dryRun,
      onGateReject: input.onGateReject,
      ifLocked: input.ifLocked,
      phases: input.phases,
      run: {
        expand: plan.expand.length > 0,
        backfill: plan.backfill.length > 0,
        contract: plan.contract.length > 0,
      },
      gates: {
        afterExpand: input.gates.afterExpand && plan.expand.length > 0,
        beforeContract:
          input.gates.beforeContract && (plan.contract.length > 0 || plan.shippedContracts.length > 0),
      },
      expand: plan.expand,
      backfill: plan.backfill,
      contract: plan.contract,
      heldBack: plan.heldBack,
      contractOnly: plan.contractOnly,
      lintOverride: plan.lintOverride ?? null,
      versions: plan.versions ?? null,
    };
    log.info(
      `plan for ${input.release}: expand ${plan.expand.length}, backfill ${plan.backfill.length}, contract ${plan.contract.length}, held back ${plan.heldBack.length}${input.dryRun ? ' (dry run: nothing is applied)' : ''}`,
    );
    return result;
  },
});
