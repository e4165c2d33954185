import type pg from 'pg';
import { InvalidInput } from '../errors.ts';

/*
 * The home of `zerodown.gates`: every statement on the table is here, called by the gate task, the
 * CLI, the local runner and `zerodown status` alike.
 */

/** Gate names, in workflow order. */
export const GATE_NAMES = ['afterExpand', 'beforeContract'] as const;
export type GateName = (typeof GATE_NAMES)[number];
export type GateDecision = 'approved' | 'rejected' | 'timed_out';

/** A row of `zerodown.gates`. */
export interface GateRecord {
  readonly release: string;
  readonly gate: GateName;
  readonly executionId: string | null;
  readonly taskToken: string | null;
  readonly openedAt: Date;
  readonly decidedAt: Date | null;
  readonly decision: GateDecision | null;
  readonly decidedBy: string | null;
  readonly reason: string | null;
  /** The last `zerodown gate heartbeat` while the gate was open. */
  readonly heartbeatAt: Date | null;
}

// biome-ignore lint/suspicious/noExplicitAny: a pg row
function toRecord(row: any): GateRecord {
  return {
    release: row.release,
    gate: row.gate,
    executionId: row.execution_id,
    taskToken: row.task_token,
    openedAt: row.opened_at,
    decidedAt: row.decided_at,
    decision: row.decision,
    decidedBy: row.decided_by,
    reason: row.reason,
    heartbeatAt: row.heartbeat_at ?? null,
  };
}

/**
 * Records a heartbeat on an open (undecided) gate and returns it; undefined when no such gate waits.
 *
 * @example
 * const gate = await recordGateHeartbeat(client, 'v42'); // the release's open gate
 */
export async function recordGateHeartbeat(
  client: pg.ClientBase,
  release: string,
  gate?: GateName,
): Promise<GateRecord | undefined> {
  const { rows } = await client.query(
    `UPDATE zerodown.gates SET heartbeat_at = now()
      WHERE release = $1 AND ($2::text IS NULL OR gate = $2) AND decision IS NULL
        AND opened_at = (SELECT max(opened_at) FROM zerodown.gates
                          WHERE release = $1 AND ($2::text IS NULL OR gate = $2) AND decision IS NULL)
      RETURNING *`,
    [release, gate ?? null],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/**
 * Opens (or re-opens, after a retry or a resumed execution) a gate: records the task token that resumes
 * the waiting execution. A decision already taken for this release and gate is kept and returned.
 *
 * @example
 * await openGate(client, { release: 'v42', gate: 'beforeContract', executionId, taskToken });
 */
export async function openGate(
  client: pg.ClientBase,
  gate: { release: string; gate: GateName; executionId: string; taskToken: string },
): Promise<GateRecord> {
  const { rows } = await client.query(
    `INSERT INTO zerodown.gates (release, gate, execution_id, task_token) VALUES ($1, $2, $3, $4)
     ON CONFLICT (release, gate) DO UPDATE
       SET execution_id = excluded.execution_id, task_token = excluded.task_token,
           opened_at = CASE WHEN zerodown.gates.decision IS NULL THEN now() ELSE zerodown.gates.opened_at END
     RETURNING *`,
    [gate.release, gate.gate, gate.executionId, gate.taskToken],
  );
  return toRecord(rows[0]);
}

/** The gate of a release; when `gate` is omitted, the one that is open (undecided). */
export async function findGate(
  client: pg.ClientBase,
  release: string,
  gate?: GateName,
): Promise<GateRecord | undefined> {
  const { rows } = gate
    ? await client.query('SELECT * FROM zerodown.gates WHERE release = $1 AND gate = $2', [release, gate])
    : await client.query(
        'SELECT * FROM zerodown.gates WHERE release = $1 AND decision IS NULL ORDER BY opened_at DESC LIMIT 1',
        [release],
      );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/**
 * Opens a gate for an execution that is about to wait at it. A decision carries over only when it is an
 * approval by the same execution (a local run of the same release resuming after a crash past the
 * gate); a rejection, a timeout, or another execution's approval is cleared, so that this wait is decided
 * again by a person (a Step Functions token can only be resumed by a new decision).
 *
 * @example
 * await openGateForExecution(client, { release: 'v42', gate: 'beforeContract', executionId, taskToken });
 */
export async function openGateForExecution(
  client: pg.ClientBase,
  gate: { release: string; gate: GateName; executionId: string; taskToken: string },
): Promise<GateRecord> {
  await client.query(
    `UPDATE zerodown.gates SET decision = NULL, decided_at = NULL, decided_by = NULL, reason = NULL
      WHERE release = $1 AND gate = $2 AND decision IS NOT NULL
        AND (decision <> 'approved' OR execution_id IS DISTINCT FROM $3)`,
    [gate.release, gate.gate, gate.executionId],
  );
  return await openGate(client, gate);
}

/**
 * Records a decision on an open gate and returns the gate (with the task token to resume). Refuses a
 * gate that does not exist or was already decided, saying which.
 *
 * @example
 * const gate = await decideGate(client, { release: 'v42', decision: 'approved', decidedBy: 'ci' });
 */
export async function decideGate(
  client: pg.ClientBase,
  decision: { release: string; gate?: GateName; decision: GateDecision; decidedBy: string; reason?: string },
): Promise<GateRecord> {
  const open = await findGate(client, decision.release, decision.gate);
  if (!open) {
    throw new InvalidInput(
      `no open gate for release ${decision.release}${decision.gate ? ` (${decision.gate})` : ''}: is the workflow waiting at a gate? "zerodown status" shows the releases`,
    );
  }
  const { rows } = await client.query(
    `UPDATE zerodown.gates SET decision = $3, decided_at = now(), decided_by = $4, reason = $5
      WHERE release = $1 AND gate = $2 AND decision IS NULL RETURNING *`,
    [open.release, open.gate, decision.decision, decision.decidedBy, decision.reason ?? null],
  );
  if (!rows[0]) {
    const current = await findGate(client, open.release, open.gate);
    throw new InvalidInput(
      `gate ${open.gate} of release ${open.release} was already ${current?.decision} by ${current?.decidedBy} at ${current?.decidedAt?.toISOString()}`,
    );
  }
  return toRecord(rows[0]);
}

/**
 * Puts a gate back to undecided (its decision could not reach Step Functions), so it can be decided again.
 *
 * @example
 * await clearGateDecision(client, { release: 'v42', gate: 'beforeContract' });
 */
export async function clearGateDecision(
  client: pg.ClientBase,
  gate: { release: string; gate: GateName },
): Promise<void> {
  await client.query(
    'UPDATE zerodown.gates SET decision = NULL, decided_at = NULL, decided_by = NULL, reason = NULL WHERE release = $1 AND gate = $2',
    [gate.release, gate.gate],
  );
}

/**
 * Records that nothing waits at a gate any more: its wait timed out (the local runner at its deadline)
 * or Step Functions refused a late decision or heartbeat. Only a gate still as the caller saw it
 * (`decision`, undecided or the late decision) is marked, so that a decision taken in the same instant
 * wins; who decided late and why are kept, with `note` appended to the reason. Returns the gate as
 * recorded, or undefined when it changed in between.
 *
 * @example
 * await markGateTimedOut(client, open, { by: 'zerodown run --local' });
 */
export async function markGateTimedOut(
  client: pg.ClientBase,
  gate: { release: string; gate: GateName; decision: GateDecision | null },
  how: { by?: string; note?: string } = {},
): Promise<GateRecord | undefined> {
  const { rows } = await client.query(
    `UPDATE zerodown.gates
        SET decision = 'timed_out', decided_at = coalesce(decided_at, now()),
            decided_by = coalesce(decided_by, $4),
            reason = CASE WHEN $5::text IS NULL THEN reason ELSE coalesce(reason, '') || $5 END
      WHERE release = $1 AND gate = $2 AND decision IS NOT DISTINCT FROM $3::text
      RETURNING *`,
    [gate.release, gate.gate, gate.decision, how.by ?? null, how.note ?? null],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/**
 * The gates workflows wait at now (undecided), oldest first.
 *
 * @example
 * const waiting = await listOpenGates(client); // [{ release: 'v42', gate: 'beforeContract', … }]
 */
export async function listOpenGates(client: pg.ClientBase): Promise<GateRecord[]> {
  const { rows } = await client.query(
    'SELECT * FROM zerodown.gates WHERE decision IS NULL ORDER BY opened_at',
  );
  return rows.map(toRecord);
}

/**
 * Releases whose beforeContract gate was approved, earliest approval first: their contract migrations
 * may run on a schedule.
 *
 * @example
 * const released = await releasesPastBeforeContract(client); // ['v41', 'v42']
 */
export async function releasesPastBeforeContract(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ release: string }>(
    "SELECT release FROM zerodown.gates WHERE gate = 'beforeContract' AND decision = 'approved' ORDER BY decided_at",
  );
  return rows.map((r) => r.release);
}
