import type pg from 'pg';

/** Key of the transaction-level advisory lock that serialises state schema upgrades. */
const SETUP_LOCK_KEY = 7241865325823001n;

/**
 * Upgrades of the `zerodown` state schema, applied in order, each once. Never edit a released step:
 * append a new one.
 */
export const STATE_SCHEMA_STEPS: readonly string[] = [
  // 1: the tables of DESIGN.md "State in the database"
  `CREATE TABLE zerodown.migrations (
     id bigserial PRIMARY KEY,
     version text NOT NULL,
     name text NOT NULL,
     phase text NOT NULL CHECK (phase IN ('expand', 'backfill', 'contract')),
     file text NOT NULL,
     checksum text NOT NULL,
     applied_at timestamptz NOT NULL DEFAULT now(),
     duration_ms integer NOT NULL DEFAULT 0,
     execution_id text NOT NULL,
     lint_override text,
     rolled_back_at timestamptz,
     rolled_back_by text
   );
   CREATE UNIQUE INDEX migrations_applied_once ON zerodown.migrations (version, phase) WHERE rolled_back_at IS NULL;
   CREATE TABLE zerodown.lock (
     id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
     owner text,
     release text,
     acquired_at timestamptz,
     heartbeat_at timestamptz,
     expires_at timestamptz
   );
   INSERT INTO zerodown.lock (id) VALUES (1);
   CREATE TABLE zerodown.backfills (
     id text PRIMARY KEY,
     version text NOT NULL,
     name text NOT NULL,
     partition integer NOT NULL DEFAULT 0,
     partitions integer NOT NULL DEFAULT 1,
     table_name text NOT NULL,
     start_key jsonb,
     end_key jsonb,
     cursor jsonb,
     rows_done bigint NOT NULL DEFAULT 0,
     rows_estimated bigint,
     batch_size integer NOT NULL,
     batches bigint NOT NULL DEFAULT 0,
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
     execution_id text,
     started_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     finished_at timestamptz
   );
   CREATE TABLE zerodown.gates (
     release text NOT NULL,
     gate text NOT NULL,
     execution_id text,
     task_token text,
     opened_at timestamptz NOT NULL DEFAULT now(),
     decided_at timestamptz,
     decision text CHECK (decision IN ('approved', 'rejected', 'timed_out')),
     decided_by text,
     reason text,
     PRIMARY KEY (release, gate)
   );
   CREATE TABLE zerodown.partial (
     version text NOT NULL,
     phase text NOT NULL,
     checksum text NOT NULL,
     statements_done integer NOT NULL,
     execution_id text NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (version, phase)
   );
   CREATE TABLE zerodown.events (
     id bigserial PRIMARY KEY,
     at timestamptz NOT NULL DEFAULT now(),
     execution_id text,
     event text NOT NULL,
     version text,
     phase text,
     file text,
     detail text
   );`,
  // 2: backfill engine: the spec it started with, rows updated, rate and batch timings, last error
  `ALTER TABLE zerodown.backfills
     ADD COLUMN checksum text,
     ADD COLUMN key_columns jsonb,
     ADD COLUMN rows_updated bigint NOT NULL DEFAULT 0,
     ADD COLUMN rows_per_second double precision,
     ADD COLUMN last_batch_ms double precision,
     ADD COLUMN max_batch_ms double precision,
     ADD COLUMN last_error text;`,
  // 3: the contract migrations each release shipped, so that a contract-only execution (the schedule)
  // applies only those whose release passed its beforeContract gate
  `CREATE TABLE zerodown.release_contracts (
     release text NOT NULL,
     migration_id text NOT NULL,
     file text NOT NULL,
     execution_id text NOT NULL,
     planned_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (release, migration_id)
   );`,
  // 4: the last heartbeat a gate got (zerodown gate heartbeat), for status and the local runner
  `ALTER TABLE zerodown.gates ADD COLUMN heartbeat_at timestamptz;`,
  // 5: versioned schemas: the schema of views each versioned release created, until contract retires
  // it (the old version) or rollback drops it (the new one)
  `CREATE TABLE zerodown.versions (
     release text PRIMARY KEY,
     schema_name text NOT NULL UNIQUE,
     base_schema text NOT NULL,
     execution_id text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
     retired_at timestamptz,
     retired_by text,
     retired_because text CHECK (retired_because IN ('contract', 'rollback'))
   );`,
];

/**
 * Creates or upgrades the `zerodown` state schema. Idempotent, and safe when several processes start at
 * once: upgrades run under a transaction-level advisory lock and each step is recorded.
 *
 * @example
 * await ensureStateSchema(client);
 */
export async function ensureStateSchema(client: pg.ClientBase): Promise<void> {
  const current = await readStateVersion(client);
  if (current >= STATE_SCHEMA_STEPS.length) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK_KEY.toString()]);
    await client.query('CREATE SCHEMA IF NOT EXISTS zerodown');
    await client.query('CREATE TABLE IF NOT EXISTS zerodown.state_version (version integer NOT NULL)');
    const { rows } = await client.query<{ version: number }>(
      'SELECT max(version) AS version FROM zerodown.state_version',
    );
    const applied = rows[0]?.version ?? 0;
    for (let step = applied; step < STATE_SCHEMA_STEPS.length; step++) {
      await client.query(STATE_SCHEMA_STEPS[step]!);
      await client.query('INSERT INTO zerodown.state_version (version) VALUES ($1)', [step + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The state schema version in the database, 0 when there is none yet. */
export async function readStateVersion(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('zerodown.state_version') IS NOT NULL AS exists",
  );
  if (!rows[0]?.exists) return 0;
  const result = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM zerodown.state_version',
  );
  return result.rows[0]?.version ?? 0;
}
