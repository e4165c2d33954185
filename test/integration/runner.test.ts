import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openConnection } from '../../core/db/connection.ts';
import { DriftDetected, IrreversibleMigration, MigrationFailed } from '../../core/errors.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { applyPending } from '../../core/runner/apply.ts';
import { rollback } from '../../core/runner/rollback.ts';
import { catalogSnapshot } from '../support/catalog.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { recordingLog } from '../support/recording-log.ts';

const db = useFreshDatabase();

async function appliedRows(client: pg.ClientBase) {
  const { rows } = await client.query(
    'SELECT version, phase, execution_id FROM zerodown.migrations WHERE rolled_back_at IS NULL ORDER BY id',
  );
  return rows.map((r) => `${r.version}.${r.phase}`);
}

describe('applying and rolling back', () => {
  it('a failing migration in the middle leaves the earlier ones applied and recorded, and nothing of itself', async () => {
    // GIVEN three migrations, the second of which fails after creating a table
    const dir = await migrationsDir({
      '1_first.sql':
        '-- migrate:up\nCREATE TABLE mid_first (id int);\n-- migrate:down\nDROP TABLE mid_first;\n',
      '2_second.sql':
        '-- migrate:up\nCREATE TABLE mid_second (id int);\n\nINSERT INTO mid_second VALUES (1 / 0);\n',
      '3_third.sql': 'CREATE TABLE mid_third (id int);',
    });
    const migrations = await loadMigrations(dir);
    // WHEN
    const error = await applyPending(db.client, migrations, {
      phases: ['expand'],
      executionId: 'e1',
      log: recordingLog(),
    }).catch((e) => e);
    // THEN the error names the file and line, and the database has the first only
    expect(error).toBeInstanceOf(MigrationFailed);
    expect(error.message).toMatch(/2_second\.sql:4: division by zero \(SQLSTATE 22012\)/);
    expect(await appliedRows(db.client)).toEqual(['1.expand']);
    const tables = await db.client.query(
      "SELECT tablename FROM pg_tables WHERE tablename LIKE 'mid_%' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(['mid_first']);
    await rollback(db.client, migrations, { count: 1, executionId: 'e1', log: recordingLog() });
  });

  it('rolling back N migrations restores the catalog exactly', async () => {
    await db.client.query('CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL)');
    const dir = await migrationsDir({
      '1_col.sql':
        "-- migrate:up\nALTER TABLE accounts ADD COLUMN nickname varchar(40) DEFAULT 'x';\n-- migrate:down\nALTER TABLE accounts DROP COLUMN nickname;\n",
      '2_idx.sql':
        '-- migrate:up\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n-- migrate:down\nDROP INDEX CONCURRENTLY accounts_email;\n',
      '3_check.sql':
        "-- migrate:up\nALTER TABLE accounts ADD CONSTRAINT accounts_email_at CHECK (email LIKE '%@%') NOT VALID;\n-- migrate:down\nALTER TABLE accounts DROP CONSTRAINT accounts_email_at;\n",
      '4_table.sql':
        '-- migrate:up\nCREATE TABLE audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account bigint REFERENCES accounts (id));\n-- migrate:down\nDROP TABLE audit;\n',
    });
    const migrations = await loadMigrations(dir);
    const before = await catalogSnapshot(db.client);
    await applyPending(db.client, migrations, { phases: ['expand'], executionId: 'e2', log: recordingLog() });
    const during = await catalogSnapshot(db.client);
    expect(during).not.toEqual(before);
    expect(during.indexes).toContain('CREATE INDEX accounts_email ON public.accounts USING btree (email)');
    // WHEN all four are rolled back
    const { rolledBack } = await rollback(db.client, migrations, {
      count: 4,
      executionId: 'e2',
      log: recordingLog(),
    });
    // THEN newest first, and the catalog is what it was
    expect(rolledBack.map((r) => r.id)).toEqual(['4.expand', '3.expand', '2.expand', '1.expand']);
    expect(await catalogSnapshot(db.client)).toEqual(before);
    expect(await appliedRows(db.client)).toEqual([]);
    await db.client.query('DROP TABLE accounts');
  });

  it('refuses drift, naming the file', async () => {
    const dir = await migrationsDir({
      '1_drift.sql': '-- migrate:up\nCREATE TABLE drift_t (id int);\n-- migrate:down\nDROP TABLE drift_t;\n',
    });
    await applyPending(db.client, await loadMigrations(dir), {
      phases: ['expand'],
      executionId: 'e3',
      log: recordingLog(),
    });
    await writeFile(
      join(dir, '1_drift.sql'),
      '-- migrate:up\nCREATE TABLE drift_t (id bigint);\n-- migrate:down\nDROP TABLE drift_t;\n',
    );
    const changed = await loadMigrations(dir);
    const error = await applyPending(db.client, changed, {
      phases: ['expand'],
      executionId: 'e3',
      log: recordingLog(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(DriftDetected);
    expect(error.message).toMatch(/1_drift\.sql \(applied .* by e3\)/);
    await expect(
      rollback(db.client, changed, { count: 1, executionId: 'e3', log: recordingLog() }),
    ).rejects.toThrow(DriftDetected);
    await db.client.query("DELETE FROM zerodown.migrations WHERE version = '1'; DROP TABLE drift_t");
  });

  it('a migration without a down stops the rollback with its reason, and records where', async () => {
    const dir = await migrationsDir({
      '1_keep.sql': '-- migrate:up\nCREATE TABLE keep_t (id int);\n-- migrate:down\nDROP TABLE keep_t;\n',
      '2_gone.sql':
        '-- migrate:up\nCREATE TABLE gone_t (id int);\n-- migrate:down irreversible: gone_t holds data that cannot come back\n',
    });
    const migrations = await loadMigrations(dir);
    await applyPending(db.client, migrations, { phases: ['expand'], executionId: 'e4', log: recordingLog() });
    const error = await rollback(db.client, migrations, {
      count: 2,
      executionId: 'e4',
      log: recordingLog(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(IrreversibleMigration);
    expect(error.message).toMatch(
      /2_gone\.sql cannot be rolled back: gone_t holds data that cannot come back/,
    );
    // nothing after the stop was rolled back, and the stop is recorded
    expect(await appliedRows(db.client)).toEqual(['1.expand', '2.expand']);
    const { rows } = await db.client.query(
      "SELECT file, detail FROM zerodown.events WHERE event = 'rollback_stopped'",
    );
    expect(rows.at(-1)).toMatchObject({ detail: 'gone_t holds data that cannot come back' });
    expect(rows.at(-1).file).toMatch(/2_gone\.sql$/);
    await db.client.query(
      "DELETE FROM zerodown.migrations WHERE version IN ('1', '2'); DROP TABLE keep_t, gone_t",
    );
  });

  it('a node-pg-migrate file using pgm.addColumn and pgm.createIndex concurrently applies and rolls back', async () => {
    await db.client.query('CREATE TABLE npm_users (id serial PRIMARY KEY, name text)');
    const dir = await migrationsDir({
      '1700000000000_nickname.js': `exports.up = (pgm) => {
  pgm.addColumn('npm_users', { nickname: { type: 'text' } });
  pgm.createIndex('npm_users', 'nickname', { concurrently: true });
};
exports.down = (pgm) => {
  pgm.dropIndex('npm_users', 'nickname', { concurrently: true });
  pgm.dropColumn('npm_users', 'nickname');
};
`,
    });
    const migrations = await loadMigrations(dir);
    const before = await catalogSnapshot(db.client);
    await applyPending(db.client, migrations, { phases: ['expand'], executionId: 'e5', log: recordingLog() });
    const { rows } = await db.client.query(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'npm_users' AND indexname = 'npm_users_nickname_index'",
    );
    expect(rows).toHaveLength(1);
    await rollback(db.client, migrations, { count: 1, executionId: 'e5', log: recordingLog() });
    expect(await catalogSnapshot(db.client)).toEqual(before);
    await db.client.query('DROP TABLE npm_users');
  });

  it('a CREATE UNIQUE INDEX CONCURRENTLY that fails on duplicates leaves no INVALID index behind', async () => {
    await db.client.query(
      "CREATE TABLE dup_t (id int, code text); INSERT INTO dup_t VALUES (1, 'a'), (2, 'a')",
    );
    const dir = await migrationsDir({
      '1_unique.sql':
        '-- migrate:up\nCREATE UNIQUE INDEX CONCURRENTLY dup_t_code ON dup_t (code);\n-- migrate:down\nDROP INDEX CONCURRENTLY dup_t_code;\n',
    });
    const log = recordingLog();
    const error = await applyPending(db.client, await loadMigrations(dir), {
      phases: ['expand'],
      executionId: 'e6',
      log,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationFailed);
    expect(error.message).toMatch(
      /1_unique\.sql:2: could not create unique index "dup_t_code" \(SQLSTATE 23505\)/,
    );
    const { rows } = await db.client.query(
      "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'dup_t_code'",
    );
    expect(rows[0].n).toBe(0);
    expect(log.lines.join('\n')).toMatch(/dropping INVALID index public\.dup_t_code/);
    await db.client.query('DROP TABLE dup_t');
  });

  it('an INVALID index left by a crashed earlier attempt is dropped and rebuilt', async () => {
    await db.client.query(
      'CREATE TABLE crash_t (id int); INSERT INTO crash_t SELECT g FROM generate_series(1, 100) g',
    );
    // simulate the crash's leftover: an index marked invalid under the migration's index name
    await db.client.query('CREATE INDEX crash_t_id ON crash_t (id)');
    await db.client.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'crash_t_id'::regclass");
    const dir = await migrationsDir({
      '1_idx.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS crash_t_id ON crash_t (id);',
    });
    await applyPending(db.client, await loadMigrations(dir), {
      phases: ['expand'],
      executionId: 'e7',
      log: recordingLog(),
    });
    const { rows } = await db.client.query(
      "SELECT indisvalid FROM pg_index WHERE indexrelid = 'crash_t_id'::regclass",
    );
    expect(rows).toEqual([{ indisvalid: true }]);
    await db.client.query("DELETE FROM zerodown.migrations WHERE version = '1'; DROP TABLE crash_t");
  });

  it('a non-transactional migration interrupted after some statements resumes after them', async () => {
    await db.client.query('CREATE TABLE resume_t (id int, a int, b int)');
    const dir = await migrationsDir({
      '1_two_indexes.sql':
        '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY resume_a ON resume_t (a);\nCREATE INDEX CONCURRENTLY resume_b ON resume_t (b);\nCREATE INDEX CONCURRENTLY resume_c ON resume_t (no_such_column);\n',
    });
    const first = await loadMigrations(dir);
    const error = await applyPending(db.client, first, {
      phases: ['expand'],
      executionId: 'e8',
      log: recordingLog(),
    }).catch((e) => e);
    expect(error.message).toMatch(
      /1_two_indexes\.sql:4: column "no_such_column" does not exist .*statements 1-2 of 3 are applied and recorded; rerun to resume/,
    );
    const partial = await db.client.query('SELECT statements_done FROM zerodown.partial');
    expect(partial.rows).toEqual([{ statements_done: 2 }]);
    // WHEN the author fixes only the last statement... the checksum changes, so progress is not trusted:
    // idempotent statements are the way; here the fixed file uses IF NOT EXISTS
    await writeFile(
      join(dir, '1_two_indexes.sql'),
      '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS resume_a ON resume_t (a);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS resume_b ON resume_t (b);\nCREATE INDEX CONCURRENTLY resume_c ON resume_t (id);\n',
    );
    await applyPending(db.client, await loadMigrations(dir), {
      phases: ['expand'],
      executionId: 'e8',
      log: recordingLog(),
    });
    const indexes = await db.client.query(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'resume_t' ORDER BY 1",
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['resume_a', 'resume_b', 'resume_c']);
    expect((await db.client.query('SELECT * FROM zerodown.partial')).rows).toEqual([]);
    await db.client.query("DELETE FROM zerodown.migrations WHERE version = '1'; DROP TABLE resume_t");
  });

  it('resumes an interrupted non-transactional migration of the same checksum after its done statements', async () => {
    await db.client.query('CREATE TABLE skip_t (id int)');
    const dir = await migrationsDir({
      '1_steps.sql':
        '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY skip_a ON skip_t (id);\nCREATE TABLE skip_done (id int);\n',
    });
    const [migration] = await loadMigrations(dir);
    // GIVEN an earlier attempt that committed statement 1 and died
    await db.client.query('CREATE INDEX skip_a ON skip_t (id)');
    await db.client.query(
      "INSERT INTO zerodown.partial (version, phase, checksum, statements_done, execution_id) VALUES ('1', 'expand', $1, 1, 'dead')",
      [migration!.checksum],
    );
    // WHEN it runs again, statement 1 (which would fail: the index exists) is skipped
    await applyPending(db.client, [migration!], {
      phases: ['expand'],
      executionId: 'e9',
      log: recordingLog(),
    });
    expect((await db.client.query("SELECT to_regclass('skip_done') IS NOT NULL AS ok")).rows[0].ok).toBe(
      true,
    );
    await db.client.query(
      "DELETE FROM zerodown.migrations WHERE version = '1'; DROP TABLE skip_t, skip_done",
    );
  });

  it('dry run prints the SQL and changes nothing', async () => {
    const dir = await migrationsDir({ '1_dry.sql': 'CREATE TABLE dry_t (id int);' });
    const log = recordingLog();
    const fresh = await openConnection({ connection: db.url });
    try {
      const result = await applyPending(fresh, await loadMigrations(dir), {
        phases: ['expand'],
        executionId: 'e10',
        log,
        dryRun: true,
      });
      expect(result.applied.map((a) => a.id)).toEqual(['1.expand']);
      expect(log.lines.join('\n')).toContain('CREATE TABLE dry_t (id int);');
      expect((await fresh.query("SELECT to_regclass('dry_t') IS NULL AS absent")).rows[0].absent).toBe(true);
    } finally {
      await fresh.end();
    }
  });
});
