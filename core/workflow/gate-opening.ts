import type pg from 'pg';
import { type GateName, type GateRecord, openGate } from '../gates/gates.ts';

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
