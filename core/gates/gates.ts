import type pg from 'pg';
import { InvalidInput } from '../errors.ts';

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

/** Releases whose beforeContract gate was approved: their contract migrations may run on a schedule. */
export async function releasesPastBeforeContract(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ release: string }>(
    "SELECT release FROM zerodown.gates WHERE gate = 'beforeContract' AND decision = 'approved' ORDER BY decided_at",
  );
  return rows.map((r) => r.release);
}
