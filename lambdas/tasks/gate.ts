import { applyGateAction } from '../../core/gates/decide.ts';
import { type GateName, openGateForExecution } from '../../core/gates/gates.ts';
import { renewLease } from '../../core/locks/hold.ts';
import { readVersions } from '../../core/state/versions.ts';
import { StepFunctionsGateResumer } from '../aws/gate-resumer.ts';
import { GateDecisionEventSchema, GateEventSchema } from '../events.ts';
import { defineTask, type Task } from './define-task.ts';

const WHAT_TO_DEPLOY: Record<GateName, string> = {
  afterExpand:
    'the expand migrations are applied: deploy the application version that works with the new schema, then approve to run the backfill',
  beforeContract:
    'deploy the application version that no longer uses what the contract migrations remove, on every server, then approve to run them',
};

/** A gate timeout for people: `24 h`, `90 min`, `45 s`. */
function waitText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * The notice a waiting gate publishes: what to do, and the commands that decide it. In AWS the commands
 * name the gate function (`--gate-function`), so they work from a runner without database access.
 */
export function gateNotice(gate: {
  release: string;
  gate: GateName;
  executionId: string;
  timeoutSeconds?: number;
  gateFunction?: string;
  /** A versioned release: the new version's search_path (docs/versioned-schemas.md). */
  searchPath?: string;
}): { subject: string; message: string } {
  const timeout = gate.timeoutSeconds ? `It times out after ${waitText(gate.timeoutSeconds)}.` : '';
  const via = gate.gateFunction ? ` --gate-function ${gate.gateFunction}` : '';
  const versioned = gate.searchPath
    ? [
        `The new version must connect with search_path ${gate.searchPath}: SET search_path = ${gate.searchPath}, or options=-c search_path=${gate.searchPath.replace(' ', '')} in its connection string. The old version keeps its own.`,
      ]
    : [];
  return {
    subject: `zerodown: release ${gate.release} waits at gate ${gate.gate}`.slice(0, 100),
    message: [
      `Release ${gate.release} waits at the ${gate.gate} gate (execution ${gate.executionId}).`,
      ...versioned,
      `${WHAT_TO_DEPLOY[gate.gate]}:`,
      `  zerodown gate approve --release ${gate.release}${via}`,
      `or reject it (the expand is kept unless the execution asked for rollback):`,
      `  zerodown gate reject --release ${gate.release}${via} --reason '<why>'`,
      timeout,
    ]
      .filter(Boolean)
      .join('\n'),
  };
}

/**
 * Opening a gate (lambda:invoke.waitForTaskToken): renews the lease to outlast the wait, records the
 * release, gate and task token in `zerodown.gates`, and publishes a notice (log line, and SNS when
 * configured) with the command that approves it. The workflow then waits for SendTaskSuccess/Failure.
 * The token itself is never logged.
 */
const openGateTask = defineTask({
  name: 'gate',
  input: GateEventSchema,
  logKeys: (event) => ({ executionId: event.executionId, release: event.release }),
  async run({ event, log, deps, settings, context, database }) {
    const { record, version } = await database(async (client) => {
      const waitMs = (event.timeoutSeconds ?? 0) * 1000;
      await renewLease(client, event.executionId, waitMs + settings.leaseTtlMs);
      const opened = await openGateForExecution(client, {
        release: event.release,
        gate: event.gate,
        executionId: event.executionId,
        taskToken: event.taskToken,
      });
      const live = (await readVersions(client)).find((v) => v.release === event.release && !v.retiredAt);
      return { record: opened, version: live };
    });
    const notice = gateNotice({
      ...event,
      gateFunction: context?.functionName,
      searchPath: version ? `${version.schema}, ${version.baseSchema}` : undefined,
    });
    log.info(`gate ${event.gate}: ${notice.message}`);
    if (deps.notify) {
      await deps
        .notify(notice)
        .catch((error) => log.warn(`the gate notice could not be published: ${(error as Error).message}`));
    }
    return { release: record.release, gate: record.gate, openedAt: record.openedAt.toISOString() };
  },
});

/**
 * A decision sent to the gate function (`zerodown gate approve|reject|heartbeat --gate-function`): the
 * function has the database and the right to resume executions, so a CI/CD runner needs neither, only
 * lambda:InvokeFunction on this one function (`MigrationOrchestrator.grantGateDecisions`). Records the
 * decision (or heartbeat) in `zerodown.gates` and resumes the execution, exactly as the CLI does.
 */
const gateDecisionTask = defineTask({
  name: 'gate',
  input: GateDecisionEventSchema,
  logKeys: (event) => ({ release: event.release }),
  async run({ event, log, deps, database }) {
    const resumer = new StepFunctionsGateResumer(deps.sfn);
    return await database(async (client) => {
      const { gate, resumed } = await applyGateAction(client, resumer, event);
      log.info(
        event.action === 'heartbeat'
          ? `gate ${gate.gate}: heartbeat from ${event.decidedBy}`
          : `gate ${gate.gate}: ${gate.decision} by ${event.decidedBy}${event.reason ? `: ${event.reason}` : ''}`,
      );
      return { release: gate.release, gate: gate.gate, action: event.action, resumed };
    });
  },
});

/**
 * The gate task: an event with an `action` is a decision sent to the gate function (approve, reject,
 * heartbeat; it resumes the execution); any other opens the gate the workflow waits at.
 *
 * @example
 * await gateTask(deps, migrations)({ taskToken, release: 'v42', gate: 'beforeContract', executionId, timeoutSeconds: 86400 });
 * await gateTask(deps, migrations)({ action: 'approve', release: 'v42', decidedBy: 'github-actions' });
 * // { release: 'v42', gate: 'beforeContract', action: 'approve', resumed: 'step-functions' }
 */
export const gateTask: Task = (deps, migrations) => {
  const open = openGateTask(deps, migrations);
  const decide = gateDecisionTask(deps, migrations);
  return async (raw, context) =>
    typeof raw === 'object' && raw !== null && 'action' in raw
      ? await decide(raw, context)
      : await open(raw, context);
};
