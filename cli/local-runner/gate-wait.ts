import type pg from 'pg';
import { type ConnectionOptions, openConnection } from '../../core/db/connection.ts';
import { type GateOutput, gateOutput, gateRejectionCause } from '../../core/gates/decide.ts';
import {
  decideGate,
  findGate,
  GATE_NAMES,
  type GateName,
  type GateRecord,
  markGateTimedOut,
} from '../../core/gates/gates.ts';
import { GateHeartbeatTimedOut, GateRejectedError, GateTimedOut } from './errors.ts';
import type { CallbackTask } from './handlers.ts';

/** The commands that decide a waiting gate, as a person pastes them. */
export interface GateCommands {
  readonly approve: string;
  readonly reject: string;
}

const shellQuote = (value: string) =>
  /^[\w.:/@+=,%-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The approve and reject commands of a waiting gate, each complete enough to work when pasted: the
 * database URL in full when it has no password (or is the throwaway embedded server's), else
 * `--database-url "$DATABASE_URL"`, which the person's shell fills in; a password is never printed.
 *
 * @example
 * gateCommands('v42', 'postgres://app:secret@db/app').approve;
 * // zerodown gate approve --release v42 --database-url "$DATABASE_URL"
 */
export function gateCommands(
  release: string,
  connection: string | pg.ClientConfig,
  display?: string,
): GateCommands {
  let database: string;
  if (display !== undefined) database = shellQuote(display);
  else if (typeof connection === 'string' && !hasPassword(connection)) database = shellQuote(connection);
  else database = '"$DATABASE_URL"';
  const option = ` --release ${shellQuote(release)} --database-url ${database}`;
  return {
    approve: `zerodown gate approve${option}`,
    reject: `zerodown gate reject${option} --reason '…'`,
  };
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return true; // unparseable: never print it
  }
}

function gateCommandsOf(
  release: string,
  options: GateWaitOptions,
): { command: string; rejectCommand: string } {
  const commands = gateCommands(release, options.connection.connection, options.databaseForDisplay);
  return { command: commands.approve, rejectCommand: commands.reject };
}

/** How the local runner waits at a gate. */
export interface GateWaitOptions {
  readonly connection: ConnectionOptions;
  /** The database as the gate commands show it (the embedded server's URL). @default the URL when it has no password, else "$DATABASE_URL" */
  readonly databaseForDisplay?: string;
  /** Approve at once (the demo, CI smoke runs), saying so. */
  readonly approveGates: boolean;
  /** How often to look at `zerodown.gates`. @default 250 */
  readonly pollMs?: number;
  /** How long the state waits (its TimeoutSeconds, or --gate-timeout), after which it fails with States.Timeout. */
  readonly timeoutSeconds: number;
  /**
   * The state's HeartbeatSeconds: as in AWS, the gate fails with States.HeartbeatTimeout when no
   * heartbeat (`zerodown gate heartbeat`, recorded in `zerodown.gates`) came for that long.
   */
  readonly heartbeatSeconds?: number;
  /** Told once when the run starts waiting, and when a decision arrives. */
  onWaiting?(gate: {
    release: string;
    gate: GateName;
    command: string;
    rejectCommand: string;
    timeoutSeconds: number;
  }): void;
  onDecided?(gate: GateRecord, automatically: boolean): void;
}

interface GatePayload {
  release?: unknown;
  gate?: unknown;
}

function gateOf(callback: CallbackTask): { release: string; gate: GateName } {
  const payload = (callback.payload ?? {}) as GatePayload;
  if (typeof payload.release !== 'string' || !GATE_NAMES.includes(payload.gate as GateName)) {
    throw new Error(
      `state ${callback.stateName}: a gate task's payload must carry release and gate (${GATE_NAMES.join(' or ')}); got ${JSON.stringify(payload)}`,
    );
  }
  return { release: payload.release, gate: payload.gate as GateName };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Simulates `waitForTaskToken` for a gate: the gate task has recorded the gate (with the `local:` token)
 * in `zerodown.gates`; this waits until `zerodown gate approve|reject` records a decision there (or
 * approves at once with `approveGates`). Approval resolves with {@link gateOutput}; rejection throws
 * `GateRejected`; at the timeout the gate is recorded `timed_out` (the state itself fails with
 * States.Timeout, raised by the state machine's own TimeoutSeconds).
 *
 * @example
 * const output = await awaitGateDecision(callback, { connection, approveGates: false, timeoutSeconds: 3600 });
 */
export async function awaitGateDecision(
  callback: CallbackTask,
  options: GateWaitOptions,
): Promise<GateOutput> {
  const { release, gate } = gateOf(callback);
  const timeoutAt = Date.now() + options.timeoutSeconds * 1000;
  const heartbeatMs =
    options.heartbeatSeconds !== undefined && options.heartbeatSeconds < options.timeoutSeconds
      ? options.heartbeatSeconds * 1000
      : undefined;
  let expired: 'timeout' | 'heartbeat' | undefined;
  const client = await openConnection({ ...options.connection, applicationName: 'zerodown-local-gate' });
  let record: GateRecord | undefined;
  try {
    record = await findGate(client, release, gate);
    if (!record)
      throw new Error(`state ${callback.stateName}: the gate task did not record gate ${gate} of ${release}`);
    if (!record.decision && options.approveGates) {
      record = await decideGate(client, {
        release,
        gate,
        decision: 'approved',
        decidedBy: 'zerodown run --approve-gates',
        reason: 'approved automatically (--approve-gates)',
      });
      options.onDecided?.(record, true);
    }
    if (!record.decision) {
      options.onWaiting?.({
        release,
        gate,
        ...gateCommandsOf(release, options),
        timeoutSeconds: options.timeoutSeconds,
      });
      const polled = await pollForDecision(client, record, {
        timeoutAt,
        heartbeatMs,
        pollMs: options.pollMs ?? 250,
      });
      record = polled.record;
      expired = polled.expired;
      options.onDecided?.(record, false);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  if (record.decision === 'approved') return gateOutput(record);
  if (record.decision === 'rejected') throw new GateRejectedError(gateRejectionCause(record));
  if (expired === 'heartbeat') {
    throw new GateHeartbeatTimedOut(
      `gate ${gate} of release ${release}: no heartbeat within ${options.heartbeatSeconds} s`,
    );
  }
  // timed out: the state machine's own timer fails the state with States.Timeout; this only backs it up
  // unref'd: once the state has failed, nothing should wait for this backup
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, timeoutAt - Date.now()) + 5_000).unref());
  throw new GateTimedOut(`gate ${gate} of release ${release} timed out`);
}

/**
 * Reads the gate until it is decided or a deadline passes: the state's timeout, or `heartbeatMs` after
 * the wait began or the last heartbeat seen (each new `heartbeat_at` moves that deadline, as
 * SendTaskHeartbeat does in AWS; measured on this clock when seen, so clock skew does not matter).
 */
async function pollForDecision(
  client: pg.ClientBase,
  opened: GateRecord,
  options: { timeoutAt: number; heartbeatMs?: number; pollMs: number },
): Promise<{ record: GateRecord; expired?: 'timeout' | 'heartbeat' }> {
  const { release, gate } = opened;
  let lastBeat = opened.heartbeatAt?.getTime() ?? null;
  let heartbeatAt = options.heartbeatMs === undefined ? Infinity : Date.now() + options.heartbeatMs;
  for (;;) {
    const record = await findGate(client, release, gate);
    if (record?.decision) return { record };
    const beat = record?.heartbeatAt?.getTime() ?? null;
    if (beat !== null && beat !== lastBeat && options.heartbeatMs !== undefined) {
      lastBeat = beat;
      heartbeatAt = Date.now() + options.heartbeatMs;
    }
    const deadline = Math.min(options.timeoutAt, heartbeatAt);
    if (Date.now() >= deadline) {
      // recorded so that a late "zerodown gate approve" says the gate timed out instead of resuming nothing
      const timedOut = await markGateTimedOut(
        client,
        { release, gate, decision: null },
        { by: 'zerodown run --local' },
      );
      const expired = heartbeatAt < options.timeoutAt ? 'heartbeat' : 'timeout';
      if (timedOut) return { record: timedOut, expired };
      continue; // decided in the same instant: read it again
    }
    await sleep(Math.min(options.pollMs, Math.max(1, deadline - Date.now())));
  }
}
