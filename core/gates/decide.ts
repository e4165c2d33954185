import type pg from 'pg';
import { GateNotWaiting, InvalidInput, ZerodownError } from '../errors.ts';
import {
  clearGateDecision,
  decideGate,
  findGate,
  type GateName,
  type GateRecord,
  markGateTimedOut,
  recordGateHeartbeat,
} from './gates.ts';

/*
 * Deciding a gate and keeping it alive, the same from the CLI (with database access) and from the gate
 * Lambda (for CI/CD runners that reach AWS but not the database): record in `zerodown.gates`, then
 * resume the waiting execution with its task token.
 */

/** The output a gate task resumes with: what `zerodown gate approve` sends with SendTaskSuccess. */
export interface GateOutput {
  readonly release: string;
  readonly gate: GateName;
  readonly decision: 'approved';
  readonly decidedBy: string | null;
  readonly reason: string | null;
}

/** The output of an approved gate, the same locally and through SendTaskSuccess. */
export function gateOutput(record: GateRecord): GateOutput {
  return {
    release: record.release,
    gate: record.gate,
    decision: 'approved',
    decidedBy: record.decidedBy,
    reason: record.reason,
  };
}

/** The cause of a rejected gate's `GateRejected` error, the same locally and through SendTaskFailure. */
export function gateRejectionCause(record: GateRecord): string {
  return `gate ${record.gate} of release ${record.release} was rejected by ${record.decidedBy ?? 'someone'}${record.reason ? `: ${record.reason}` : ''}`;
}

/** Tokens the local runner hands out; it polls `zerodown.gates` instead of waiting on Step Functions. */
export const LOCAL_TOKEN_PREFIX = 'local:';

/** Whether a waiting execution took what was sent with its task token, or no longer waits on it. */
export type TokenDelivery = 'delivered' | 'not-waiting';

/**
 * Resumes (or keeps alive) an execution waiting on a gate's task token. Core decides what to send; the
 * Step Functions implementation (`StepFunctionsGateResumer` in `lambdas/aws/gate-resumer.ts`) sends it.
 * `not-waiting` means the task timed out or its execution ended; any other failure is thrown.
 *
 * @example
 * const delivery = await resumer.succeed(gate.taskToken, gateOutput(gate)); // 'delivered'
 */
export interface GateResumer {
  /** The gate was approved: the waiting task succeeds with `output`. */
  succeed(taskToken: string, output: GateOutput): Promise<TokenDelivery>;
  /** The gate was rejected: the waiting task fails with `error` (its Step Functions error name) and `cause`. */
  fail(taskToken: string, failure: { error: string; cause: string }): Promise<TokenDelivery>;
  /** The deploy is still going: the task's HeartbeatSeconds start again. */
  heartbeat(taskToken: string): Promise<TokenDelivery>;
}

/** How the decision reached the waiting execution. */
export type GateResumption = 'local' | 'step-functions' | 'timed-out';

/**
 * Resumes the execution waiting at a decided gate: SendTaskSuccess with {@link gateOutput} when
 * approved, SendTaskFailure with error `GateRejected` when rejected. A `local:` token needs nothing:
 * the local runner reads the decision from `zerodown.gates`. Returns `timed-out` when Step Functions
 * says the task timed out or no longer exists.
 *
 * @example
 * const how = await resumeGate(resumer, await decideGate(client, { release: 'v42', decision: 'approved', decidedBy: 'ci' }));
 */
export async function resumeGate(resumer: GateResumer, gate: GateRecord): Promise<GateResumption> {
  if (!gate.taskToken)
    throw new InvalidInput(`gate ${gate.gate} of release ${gate.release} has no task token`);
  if (gate.taskToken.startsWith(LOCAL_TOKEN_PREFIX)) return 'local';
  let delivery: TokenDelivery;
  if (gate.decision === 'approved') {
    delivery = await resumer.succeed(gate.taskToken, gateOutput(gate));
  } else if (gate.decision === 'rejected') {
    delivery = await resumer.fail(gate.taskToken, { error: 'GateRejected', cause: gateRejectionCause(gate) });
  } else {
    throw new InvalidInput(`gate ${gate.gate} of release ${gate.release} is ${gate.decision ?? 'undecided'}`);
  }
  return delivery === 'delivered' ? 'step-functions' : 'timed-out';
}

/** What a late decision or heartbeat notes on a gate Step Functions no longer waits on. */
const STEP_FUNCTIONS_TIMED_OUT = ' (Step Functions: the task had timed out)';

/** A decision taken with `zerodown gate approve|reject`. */
export interface GateDecisionRequest {
  readonly release: string;
  readonly gate?: GateName;
  readonly decision: 'approved' | 'rejected';
  readonly decidedBy: string;
  readonly reason?: string;
}

/**
 * Records a gate decision in `zerodown.gates` and resumes the waiting execution with it. When Step
 * Functions refuses the token for another reason than a timeout (credentials, network), the decision is
 * undone so the command can simply be run again.
 *
 * @example
 * await decideAndResume(client, resumer, { release: 'v42', decision: 'approved', decidedBy: 'ci' });
 */
export async function decideAndResume(
  client: pg.ClientBase,
  resumer: GateResumer,
  request: GateDecisionRequest,
): Promise<{ gate: GateRecord; resumed: GateResumption }> {
  const gate = await decideGate(client, request);
  let resumed: GateResumption;
  try {
    resumed = await resumeGate(resumer, gate);
  } catch (error) {
    await clearGateDecision(client, gate);
    throw new ZerodownError(
      `recorded nothing: Step Functions refused the decision for gate ${gate.gate} of release ${gate.release}: ${(error as Error).message}; check the AWS credentials and region, then run the command again`,
      { cause: error },
    );
  }
  if (resumed === 'timed-out') {
    await markGateTimedOut(client, gate, { note: STEP_FUNCTIONS_TIMED_OUT });
    throw new GateNotWaiting(
      `gate ${gate.gate} of release ${gate.release} is no longer waiting (it timed out, or its execution ended); start the release again`,
    );
  }
  return { gate, resumed };
}

/**
 * Sends a heartbeat to the gate a release waits at: records it in `zerodown.gates` (where the local
 * runner and `zerodown status` see it) and, for a Step Functions execution, calls SendTaskHeartbeat with
 * the gate's token. A gate state with `HeartbeatSeconds` (the construct's `gateHeartbeat`) fails with
 * States.HeartbeatTimeout when none comes in time. Throws `InvalidInput` when no gate of the release is
 * open, and `GateNotWaiting` when Step Functions no longer waits on it (the gate is then recorded
 * `timed_out`).
 *
 * @example
 * await sendGateHeartbeat(client, resumer, { release: 'v42' });
 */
export async function sendGateHeartbeat(
  client: pg.ClientBase,
  resumer: GateResumer,
  request: { release: string; gate?: GateName },
): Promise<{ gate: GateRecord; sent: GateResumption }> {
  const gate = await recordGateHeartbeat(client, request.release, request.gate);
  if (!gate) {
    const decided = request.gate ? await findGate(client, request.release, request.gate) : undefined;
    throw new InvalidInput(
      decided
        ? `gate ${decided.gate} of release ${request.release} was already ${decided.decision}: nothing waits for a heartbeat`
        : `no open gate for release ${request.release}${request.gate ? ` (${request.gate})` : ''}: is the workflow waiting at a gate? "zerodown status" shows the releases`,
    );
  }
  if (!gate.taskToken)
    throw new InvalidInput(`gate ${gate.gate} of release ${gate.release} has no task token`);
  if (gate.taskToken.startsWith(LOCAL_TOKEN_PREFIX)) return { gate, sent: 'local' };
  let delivery: TokenDelivery;
  try {
    delivery = await resumer.heartbeat(gate.taskToken);
  } catch (error) {
    throw new ZerodownError(
      `Step Functions refused the heartbeat for gate ${gate.gate} of release ${gate.release}: ${(error as Error).message}; check the AWS credentials and region, then run the command again`,
      { cause: error },
    );
  }
  if (delivery === 'not-waiting') {
    await markGateTimedOut(client, gate, { note: STEP_FUNCTIONS_TIMED_OUT });
    throw new GateNotWaiting(
      `gate ${gate.gate} of release ${gate.release} is no longer waiting (it timed out, or its execution ended); start the release again`,
    );
  }
  return { gate, sent: 'step-functions' };
}

/** A gate command: `zerodown gate approve|reject|heartbeat`, from the CLI or sent to the gate function. */
export interface GateActionRequest {
  readonly action: 'approve' | 'reject' | 'heartbeat';
  readonly release: string;
  readonly gate?: GateName;
  /** Who decides (recorded with a decision). */
  readonly decidedBy: string;
  readonly reason?: string;
}

/**
 * Carries out a gate command with database access: {@link decideAndResume} for approve and reject,
 * {@link sendGateHeartbeat} for heartbeat. The CLI calls it with `--database-url`; the gate function
 * calls it for a runner that only reaches AWS.
 *
 * @example
 * const { gate, resumed } = await applyGateAction(client, resumer, { action: 'approve', release: 'v42', decidedBy: 'ci' });
 */
export async function applyGateAction(
  client: pg.ClientBase,
  resumer: GateResumer,
  request: GateActionRequest,
): Promise<{ gate: GateRecord; resumed: GateResumption }> {
  if (request.action === 'heartbeat') {
    const { gate, sent } = await sendGateHeartbeat(client, resumer, request);
    return { gate, resumed: sent };
  }
  return await decideAndResume(client, resumer, {
    release: request.release,
    gate: request.gate,
    decision: request.action === 'approve' ? 'approved' : 'rejected',
    decidedBy: request.decidedBy,
    reason: request.reason,
  });
}
