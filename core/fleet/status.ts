import type pg from 'pg';
import { findGate } from '../gates/gates.ts';
import { readApplied } from '../state/records.ts';
import { readStateVersion } from '../state/schema.ts';
import { readTargetRollout, type TargetRollout } from './record.ts';

/** Where one target of a fleet stands: `zerodown fleet status`, one line per target. */
export interface TargetStatus {
  /** The newest version applied (not rolled back), and its phase. */
  readonly version: string | null;
  readonly phase: string | null;
  /** Its last rollout: release, status, error, duration. */
  readonly rollout: TargetRollout | null;
  /** The beforeContract gate of that release, as recorded here (the fleet's gate is in its first target). */
  readonly gate: string | null;
}

/**
 * Reads a target's status from its own database: the newest migration applied, its last fleet
 * rollout (records in `zerodown.events`), and the gate of that release.
 *
 * @example
 * const status = await readTargetStatus(client); // { version: '20260301000300', phase: 'contract', … }
 */
export async function readTargetStatus(client: pg.ClientBase): Promise<TargetStatus> {
  if ((await readStateVersion(client)) === 0)
    return { version: null, phase: null, rollout: null, gate: null };
  const applied = await readApplied(client);
  const newest = applied.reduce<(typeof applied)[number] | undefined>(
    (best, row) => (!best || row.version >= best.version ? row : best), // rows in applied order
    undefined,
  );
  const rollout = (await readTargetRollout(client)) ?? null;
  const gate = rollout ? await findGate(client, rollout.release, 'beforeContract') : undefined;
  return {
    version: newest?.version ?? null,
    phase: newest?.phase ?? null,
    rollout,
    gate: gate ? (gate.decision ?? 'waiting') : null,
  };
}
