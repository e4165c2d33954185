import type pg from 'pg';
import { releasesPastBeforeContract } from '../gates/gates.ts';
import type { Migration } from '../migrations/types.ts';

/**
 * Records the contract migrations a release ships (pending when its execution planned), so that a
 * later contract-only execution can tell which contracts a passed `beforeContract` gate released.
 * Idempotent: a retried or resumed plan records the same rows.
 *
 * @example
 * await recordShippedContracts(client, { release: 'v42', executionId, contracts: pendingContracts });
 */
export async function recordShippedContracts(
  client: pg.ClientBase,
  shipped: { release: string; executionId: string; contracts: readonly Migration[] },
): Promise<void> {
  for (const migration of shipped.contracts) {
    await client.query(
      `INSERT INTO zerodown.release_contracts (release, migration_id, file, execution_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (release, migration_id) DO UPDATE SET execution_id = excluded.execution_id`,
      [shipped.release, migration.id, migration.file, shipped.executionId],
    );
  }
}

/**
 * Contract migration ids released through a passed gate: shipped by a release whose `beforeContract`
 * gate was approved. Maps each id to the release that released it (the earliest approval).
 *
 * @example
 * const released = await contractsReleasedByGates(client); // Map { '20260101000500.contract' => 'v42' }
 */
export async function contractsReleasedByGates(client: pg.ClientBase): Promise<Map<string, string>> {
  const exists = await client.query<{ ok: boolean }>(
    "SELECT to_regclass('zerodown.release_contracts') IS NOT NULL AS ok",
  );
  if (!exists.rows[0]?.ok) return new Map();
  const releases = await releasesPastBeforeContract(client);
  const { rows } = await client.query<{ migration_id: string; release: string }>(
    'SELECT migration_id, release FROM zerodown.release_contracts WHERE release = ANY($1::text[])',
    [releases],
  );
  // the earliest approval wins: order the rows newest approval first, so that it is set last in the map
  const approval = new Map(releases.map((release, order) => [release, order]));
  rows.sort((a, b) => approval.get(b.release)! - approval.get(a.release)!);
  return new Map(rows.map((row) => [row.migration_id, row.release]));
}
