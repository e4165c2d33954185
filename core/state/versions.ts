import type pg from 'pg';

/** One versioned schema a release created (`zerodown.versions`). */
export interface SchemaVersion {
  readonly release: string;
  /** The schema of views, `zd_<release>`. */
  readonly schema: string;
  /** The schema of the tables the views present. */
  readonly baseSchema: string;
  readonly executionId: string;
  readonly createdAt: Date;
  /** When contract dropped it (the old version) or rollback did (the new one); null while it exists. */
  readonly retiredAt: Date | null;
  readonly retiredBy: string | null;
  readonly retiredBecause: 'contract' | 'rollback' | null;
}

interface Row {
  release: string;
  schema_name: string;
  base_schema: string;
  execution_id: string;
  created_at: Date;
  retired_at: Date | null;
  retired_by: string | null;
  retired_because: 'contract' | 'rollback' | null;
}

const fromRow = (r: Row): SchemaVersion => ({
  release: r.release,
  schema: r.schema_name,
  baseSchema: r.base_schema,
  executionId: r.execution_id,
  createdAt: r.created_at,
  retiredAt: r.retired_at,
  retiredBy: r.retired_by,
  retiredBecause: r.retired_because,
});

/**
 * Every version recorded, oldest first (retired ones too). Empty when the state schema has no versions
 * table yet.
 *
 * @example
 * const live = (await readVersions(client)).filter((v) => v.retiredAt === null);
 */
export async function readVersions(client: pg.ClientBase): Promise<SchemaVersion[]> {
  const { rows: exists } = await client.query<{ ok: boolean }>(
    "SELECT to_regclass('zerodown.versions') IS NOT NULL AS ok",
  );
  if (!exists[0]?.ok) return [];
  const { rows } = await client.query<Row>('SELECT * FROM zerodown.versions ORDER BY created_at, release');
  return rows.map(fromRow);
}

/**
 * Records that a release's schema exists (again, when a retried expand created it anew, or a release
 * rolled back and then run once more).
 *
 * @example
 * await recordVersion(client, { release: 'v42', schema: 'zd_v42', baseSchema: 'public', executionId });
 */
export async function recordVersion(
  client: pg.ClientBase,
  version: { release: string; schema: string; baseSchema: string; executionId: string },
): Promise<void> {
  await client.query(
    `INSERT INTO zerodown.versions (release, schema_name, base_schema, execution_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (release) DO UPDATE SET schema_name = EXCLUDED.schema_name, base_schema = EXCLUDED.base_schema,
       execution_id = EXCLUDED.execution_id, created_at = clock_timestamp(),
       retired_at = NULL, retired_by = NULL, retired_because = NULL`,
    [version.release, version.schema, version.baseSchema, version.executionId],
  );
}

/** Marks a version's schema as dropped, by whom and why. */
export async function recordRetired(
  client: pg.ClientBase,
  release: string,
  by: { executionId: string; because: 'contract' | 'rollback' },
): Promise<void> {
  await client.query(
    `UPDATE zerodown.versions SET retired_at = clock_timestamp(), retired_by = $2, retired_because = $3
      WHERE release = $1 AND retired_at IS NULL`,
    [release, by.executionId, by.because],
  );
}
