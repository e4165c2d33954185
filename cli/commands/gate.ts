import { userInfo } from 'node:os';
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { type Command, Option } from 'commander';
import type pg from 'pg';
import { openConnection } from '../../core/db/connection.ts';
import { InvalidInput, ZerodownError } from '../../core/errors.ts';
import {
  decideGate,
  findGate,
  GATE_NAMES,
  type GateName,
  type GateRecord,
  recordGateHeartbeat,
} from '../../core/gates/gates.ts';
import { readStateVersion } from '../../core/state/schema.ts';
import { gateOutput, gateRejectionCause } from '../local-runner/gate-wait.ts';

/** Tokens the local runner hands out; it polls `zerodown.gates` instead of waiting on Step Functions. */
export const LOCAL_TOKEN_PREFIX = 'local:';

/** How the decision reached the waiting execution. */
export type GateResumption = 'local' | 'step-functions' | 'timed-out';

/** Step Functions no longer waits on this token: the gate timed out, or the execution ended. */
export class GateNotWaiting extends ZerodownError {
  override name = 'GateNotWaiting';
}

/**
 * Resumes the execution waiting at a decided gate: SendTaskSuccess with {@link gateOutput} when
 * approved, SendTaskFailure with error `GateRejected` when rejected. A `local:` token needs nothing:
 * the local runner reads the decision from `zerodown.gates`. Returns `timed-out` when Step Functions
 * says the task timed out or no longer exists.
 *
 * @example
 * const how = await resumeGate(new SFNClient({}), await decideGate(client, { release: 'v42', decision: 'approved', decidedBy: 'ci' }));
 */
export async function resumeGate(sfn: SFNClient, gate: GateRecord): Promise<GateResumption> {
  if (!gate.taskToken)
    throw new InvalidInput(`gate ${gate.gate} of release ${gate.release} has no task token`);
  if (gate.taskToken.startsWith(LOCAL_TOKEN_PREFIX)) return 'local';
  try {
    if (gate.decision === 'approved') {
      await sfn.send(
        new SendTaskSuccessCommand({ taskToken: gate.taskToken, output: JSON.stringify(gateOutput(gate)) }),
      );
    } else if (gate.decision === 'rejected') {
      await sfn.send(
        new SendTaskFailureCommand({
          taskToken: gate.taskToken,
          error: 'GateRejected',
          cause: gateRejectionCause(gate),
        }),
      );
    } else {
      throw new InvalidInput(
        `gate ${gate.gate} of release ${gate.release} is ${gate.decision ?? 'undecided'}`,
      );
    }
    return 'step-functions';
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist') return 'timed-out';
    throw error;
  }
}

/** Puts a gate back to undecided after its decision could not reach Step Functions, so it can be retried. */
async function undoDecision(client: pg.ClientBase, gate: GateRecord): Promise<void> {
  await client.query(
    'UPDATE zerodown.gates SET decision = NULL, decided_at = NULL, decided_by = NULL, reason = NULL WHERE release = $1 AND gate = $2',
    [gate.release, gate.gate],
  );
}

async function markTimedOut(client: pg.ClientBase, gate: GateRecord): Promise<void> {
  await client.query(
    "UPDATE zerodown.gates SET decision = 'timed_out', reason = coalesce(reason, '') || ' (Step Functions: the task had timed out)' WHERE release = $1 AND gate = $2",
    [gate.release, gate.gate],
  );
}

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
 * await decideAndResume(client, new SFNClient({}), { release: 'v42', decision: 'approved', decidedBy: 'ci' });
 */
export async function decideAndResume(
  client: pg.ClientBase,
  sfn: SFNClient,
  request: GateDecisionRequest,
): Promise<{ gate: GateRecord; resumed: GateResumption }> {
  const gate = await decideGate(client, request);
  let resumed: GateResumption;
  try {
    resumed = await resumeGate(sfn, gate);
  } catch (error) {
    await undoDecision(client, gate);
    throw new ZerodownError(
      `recorded nothing: Step Functions refused the decision for gate ${gate.gate} of release ${gate.release}: ${(error as Error).message}; check the AWS credentials and region, then run the command again`,
      { cause: error },
    );
  }
  if (resumed === 'timed-out') {
    await markTimedOut(client, gate);
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
 * await sendGateHeartbeat(client, new SFNClient({}), { release: 'v42' });
 */
export async function sendGateHeartbeat(
  client: pg.ClientBase,
  sfn: SFNClient,
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
  try {
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: gate.taskToken }));
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist') {
      await markTimedOut(client, gate);
      throw new GateNotWaiting(
        `gate ${gate.gate} of release ${gate.release} is no longer waiting (it timed out, or its execution ended); start the release again`,
      );
    }
    throw new ZerodownError(
      `Step Functions refused the heartbeat for gate ${gate.gate} of release ${gate.release}: ${(error as Error).message}; check the AWS credentials and region, then run the command again`,
      { cause: error },
    );
  }
  return { gate, sent: 'step-functions' };
}

interface GateOptions {
  release: string;
  gate?: GateName;
  reason?: string;
  by: string;
  databaseUrl?: string;
  region?: string;
  format: 'text' | 'json';
}

function defaultDecider(): string {
  try {
    return process.env.ZERODOWN_ACTOR ?? userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Opens the database a gate command works on (it holds the gates and their tokens) and a Step Functions client. */
async function withGateDatabase(
  options: GateOptions,
  work: (client: pg.ClientBase, sfn: SFNClient) => Promise<void>,
): Promise<void> {
  if (!options.databaseUrl) {
    throw new InvalidInput('no database: pass --database-url postgres://… or set DATABASE_URL');
  }
  const client = await openConnection({ connection: options.databaseUrl, applicationName: 'zerodown-gate' });
  try {
    if ((await readStateVersion(client)) === 0) {
      throw new InvalidInput(
        'this database has no zerodown state: no workflow ever ran here (check --database-url)',
      );
    }
    await work(client, new SFNClient(options.region ? { region: options.region } : {}));
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function runDecision(decision: 'approved' | 'rejected', options: GateOptions): Promise<void> {
  await withGateDatabase(options, async (client, sfn) => {
    const { gate, resumed } = await decideAndResume(client, sfn, {
      release: options.release,
      gate: options.gate,
      decision,
      decidedBy: options.by,
      reason: options.reason,
    });
    if (options.format === 'json') {
      process.stdout.write(
        `${JSON.stringify({ release: gate.release, gate: gate.gate, decision, resumed })}\n`,
      );
    } else {
      const how =
        resumed === 'local' ? 'the local runner waiting on it goes on' : 'the execution was resumed';
      process.stdout.write(`${decision} gate ${gate.gate} of release ${gate.release}: ${how}\n`);
    }
  });
}

async function runHeartbeat(options: GateOptions): Promise<void> {
  await withGateDatabase(options, async (client, sfn) => {
    const { gate, sent } = await sendGateHeartbeat(client, sfn, {
      release: options.release,
      gate: options.gate,
    });
    if (options.format === 'json') {
      process.stdout.write(
        `${JSON.stringify({ release: gate.release, gate: gate.gate, heartbeat: sent })}\n`,
      );
    } else {
      const to = sent === 'local' ? 'the local run' : 'Step Functions';
      process.stdout.write(`heartbeat sent to ${to} for gate ${gate.gate} of release ${gate.release}\n`);
    }
  });
}

/** `zerodown gate approve|reject|heartbeat`: decides (or keeps alive) the gate a release's workflow waits at. */
export function registerGate(program: Command): void {
  const gate = program
    .command('gate')
    .description(
      'approve, reject or send a heartbeat to the deploy gate a release waits at (local runs and Step Functions)',
    );
  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    gate
      .command(verb)
      .description(`${verb} the gate the workflow of a release waits at`)
      .requiredOption('--release <name>', 'the release whose workflow waits')
      .addOption(new Option('--gate <name>', 'which gate (default: the open one)').choices([...GATE_NAMES]))
      .option('--reason <text>', 'why (recorded; a rejection passes it on as the failure cause)')
      .option('--by <name>', 'who decides (recorded)', defaultDecider())
      .addOption(new Option('--database-url <url>', 'PostgreSQL connection URL').env('DATABASE_URL'))
      .option('--region <region>', 'AWS region of the state machine (default: the SDK configuration)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .action((options: GateOptions) => runDecision(decision, options));
  }
  gate
    .command('heartbeat')
    .description(
      'tell the gate a release waits at that the deploy is still going (needed when the construct sets gateHeartbeat)',
    )
    .requiredOption('--release <name>', 'the release whose workflow waits')
    .addOption(new Option('--gate <name>', 'which gate (default: the open one)').choices([...GATE_NAMES]))
    .addOption(new Option('--database-url <url>', 'PostgreSQL connection URL').env('DATABASE_URL'))
    .option('--region <region>', 'AWS region of the state machine (default: the SDK configuration)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((options: GateOptions) => runHeartbeat(options));
}
