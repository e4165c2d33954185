import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runBackfillToCompletion } from '../../core/backfill/index.ts';
import { VersionedSchemaUnavailable } from '../../core/errors.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { BackfillMigration, Migration } from '../../core/migrations/types.ts';
import { applyPending } from '../../core/runner/apply.ts';
import { rollback } from '../../core/runner/rollback.ts';
import { readVersions } from '../../core/state/versions.ts';
import { versionedConnection } from '../../core/versions/names.ts';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { recordingLog } from '../support/recording-log.ts';
import { serverVersionNum } from '../support/server-version.ts';
import { loopWriter } from '../support/writer.ts';

const db = useFreshDatabase();
const log = recordingLog();
const version = await serverVersionNum();
const hasSecurityInvoker = version >= 150_000;

/** A rename users.username -> display_name written as expand, two-way backfill and contract. */
const RENAME = {
  '100_users.sql':
    '-- migrate:up\nALTER TABLE users ADD COLUMN display_name text;\n-- migrate:down\nALTER TABLE users DROP COLUMN display_name;\n',
  '100_users.backfill.json': JSON.stringify({
    table: 'users',
    set: { display_name: 'username' },
    reverse: { username: 'display_name' },
    sync: true,
    batchSize: 500,
  }),
  '110_users_drop_username.contract.sql': 'ALTER TABLE users DROP COLUMN username;',
};

/** Runs the release's backfills (those of its versions) to the end, on connections of their own. */
async function backfillAll(migrations: readonly Migration[], executionId: string, versions: string[]) {
  const backfills = migrations.filter(
    (m): m is BackfillMigration => m.kind === 'backfill' && versions.includes(m.version),
  );
  for (const m of backfills)
    await runBackfillToCompletion(db.client, m, { executionId, log, connect: db.connect });
}

/** A client connected as the new version of `release` (search_path through versionedConnection). */
async function connectAs(release: string): Promise<pg.Client> {
  const client = new pg.Client(versionedConnection({ connectionString: db.url }, release));
  await client.connect();
  return client;
}

async function viewColumns(schema: string, view: string): Promise<string[]> {
  const { rows } = await db.client.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, view],
  );
  return rows.map((r) => r.column_name);
}

describe.skipIf(hasSecurityInvoker)('versioned schemas on PostgreSQL 14', () => {
  it('refuses the release before applying anything, naming the server version', async () => {
    await db.client.query('CREATE TABLE users (id bigserial PRIMARY KEY, username text NOT NULL)');
    const migrations = await loadMigrations(await migrationsDir(RENAME));
    const error = await applyPending(db.client, migrations, {
      phases: ['expand'],
      executionId: 'pg14',
      log,
      versionedSchema: { release: 'v2' },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(VersionedSchemaUnavailable);
    expect(error.message).toMatch(/needs PostgreSQL 15 or newer .* this server is PostgreSQL 14/);
    const { rows } = await db.client.query(
      "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'display_name'",
    );
    expect(rows[0].n).toBe(0);
  });
});

// security_invoker views exist from PostgreSQL 15: on 14 versioned schemas are refused (above)
describe.skipIf(!hasSecurityInvoker)('versioned schemas: each version reads and writes its own views', () => {
  it('a rename: old version on the tables, new version on zd_v2, both writing during the backfill, nothing lost', async () => {
    // GIVEN the old app's table, and the release v2 expanded with a versioned schema
    await db.client.query(`
      CREATE TABLE users (id bigserial PRIMARY KEY, username text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
        score int NOT NULL DEFAULT 0);
      INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, 20000) g;`);
    const migrations = await loadMigrations(await migrationsDir(RENAME));
    await applyPending(db.client, migrations, {
      phases: ['expand'],
      executionId: 'v2',
      log,
      versionedSchema: { release: 'v2' },
    });
    // THEN the new version's view is the table as contract leaves it: display_name, no username
    expect(await viewColumns('zd_v2', 'users')).toEqual(['id', 'created_at', 'score', 'display_name']);
    expect((await readVersions(db.client)).map((v) => [v.release, v.schema, v.retiredAt])).toEqual([
      ['v2', 'zd_v2', null],
    ]);
    // WHEN the old version (public) and the new one (zd_v2) write while the backfill runs
    const newClient = await connectAs('v2');
    const inserted = await newClient.query(
      "INSERT INTO users (display_name) VALUES ('through-the-view') RETURNING id, display_name",
    );
    expect(inserted.rows[0].display_name).toBe('through-the-view');
    const seenByOld = await db.client.query('SELECT username FROM public.users WHERE id = $1', [
      inserted.rows[0].id,
    ]);
    expect(seenByOld.rows).toEqual([{ username: 'through-the-view' }]);
    const updated = await newClient.query(
      "UPDATE users SET display_name = 'renamed-by-new' WHERE id = 1 RETURNING id, display_name",
    );
    expect(updated.rows).toEqual([{ id: '1', display_name: 'renamed-by-new' }]);
    await db.client.query("UPDATE public.users SET username = 'renamed-by-old' WHERE id = 2");
    expect((await newClient.query('SELECT display_name FROM users WHERE id = 2')).rows).toEqual([
      { display_name: 'renamed-by-old' },
    ]);
    const deleted = await newClient.query('DELETE FROM users WHERE id = 3 RETURNING id');
    expect(deleted.rowCount).toBe(1);
    await newClient.end();
    const oldApp = loopWriter(db.connect, async (client, n) => {
      await client.query("INSERT INTO users (username) VALUES ('old' || $1)", [n]);
      await client.query("UPDATE users SET username = 'old-upd' || $2 WHERE id = $1", [
        4 + ((n * 7919) % 19000),
        n,
      ]);
    });
    const newApp = loopWriter(
      () => connectAs('v2'),
      async (client, n) => {
        await client.query("INSERT INTO users (display_name) VALUES ('new' || $1)", [n]);
        await client.query("UPDATE users SET display_name = 'new-upd' || $2 WHERE id = $1", [
          4 + ((n * 104_729) % 19000),
          n,
        ]);
      },
    );
    await backfillAll(migrations, 'v2', ['100']);
    const [oldSteps, newSteps] = [await oldApp.stop(), await newApp.stop()];
    const { rows } = await db.client.query(`
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE username IS DISTINCT FROM display_name)::int AS wrong,
             count(*) FILTER (WHERE username ~ '^old[0-9]')::int AS old_inserts,
             count(*) FILTER (WHERE display_name ~ '^new[0-9]')::int AS new_inserts
        FROM public.users`);
    expect(rows[0]).toEqual({
      total: 20000 + 1 - 1 + oldSteps + newSteps,
      wrong: 0,
      old_inserts: oldSteps,
      new_inserts: newSteps,
    });
    // WHEN contract runs (the old version is the base schema: nothing of it to drop)
    await applyPending(db.client, migrations, {
      phases: ['contract'],
      executionId: 'v2',
      log,
      versionedSchema: { release: 'v2' },
    });
    // THEN the new version's view goes on working over the contracted table
    const after = await connectAs('v2');
    const { rows: last } = await after.query(
      "INSERT INTO users (display_name) VALUES ('after-contract') RETURNING display_name",
    );
    expect(last).toEqual([{ display_name: 'after-contract' }]);
    expect((await after.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(rows[0].total + 1);
    await after.end();
  });

  it('the next versioned release: its contract drops the old version (zd_v2) once nothing uses it', async () => {
    // GIVEN release v3 changes a type through a shadow column (contract swaps the names)
    const dir = await migrationsDir({
      ...RENAME,
      '200_score.sql':
        '-- migrate:up\nALTER TABLE users ADD COLUMN score_new bigint;\n-- migrate:down\nALTER TABLE users DROP COLUMN score_new;\n',
      '200_score.backfill.json': JSON.stringify({
        table: 'users',
        set: { score_new: 'score' },
        reverse: { score: 'score_new::integer' },
        sync: true,
      }),
      '210_score_swap.contract.sql':
        'ALTER TABLE users DROP COLUMN score;\nALTER TABLE users RENAME COLUMN score_new TO score;',
    });
    const migrations = await loadMigrations(dir);
    await applyPending(db.client, migrations, {
      phases: ['expand'],
      executionId: 'v3',
      log,
      versionedSchema: { release: 'v3' },
    });
    // THEN v3 sees score as the bigint column; v2 still sees the int one
    expect(await viewColumns('zd_v3', 'users')).toEqual(['id', 'created_at', 'display_name', 'score']);
    const { rows: types } = await db.client.query(
      `SELECT table_schema, data_type FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'score' AND table_schema IN ('zd_v2', 'zd_v3') ORDER BY 1`,
    );
    expect(types).toEqual([
      { table_schema: 'zd_v2', data_type: 'integer' },
      { table_schema: 'zd_v3', data_type: 'bigint' },
    ]);
    const v2 = await connectAs('v2');
    const v3 = await connectAs('v3');
    await v2.query('UPDATE users SET score = 5 WHERE id = 4');
    await backfillAll(migrations, 'v3', ['200']);
    await v3.query('UPDATE users SET score = score + 1 WHERE id = 4');
    expect((await v2.query('SELECT score FROM users WHERE id = 4')).rows).toEqual([{ score: 6 }]);
    await v2.end();
    // WHEN contract runs after the gate (no v2 session left)
    await applyPending(db.client, migrations, {
      phases: ['contract'],
      executionId: 'v3',
      log,
      versionedSchema: { release: 'v3' },
    });
    // THEN zd_v2 is gone and recorded retired; zd_v3 reads the swapped column
    const { rows: schemas } = await db.client.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'zd\\_v%' ORDER BY 1",
    );
    expect(schemas.map((s) => s.nspname)).toEqual(['zd_v3']);
    const versions = await readVersions(db.client);
    expect(versions.map((v) => [v.release, v.retiredBecause])).toEqual([
      ['v2', 'contract'],
      ['v3', null],
    ]);
    expect((await v3.query('SELECT score FROM users WHERE id = 4')).rows).toEqual([{ score: '6' }]);
    await v3.end();
  });

  it('rollback after the new version wrote drops its schema and loses no row', async () => {
    // GIVEN release v4 renames display_name -> full_name, and its new version inserts and updates rows
    const dir = await migrationsDir({
      '300_full_name.sql':
        '-- migrate:up\nALTER TABLE users ADD COLUMN full_name text;\n-- migrate:down\nALTER TABLE users DROP COLUMN full_name;\n',
      '300_full_name.backfill.json': JSON.stringify({
        table: 'users',
        set: { full_name: 'display_name' },
        reverse: { display_name: 'full_name' },
        sync: true,
      }),
      '310_drop_display_name.contract.sql': 'ALTER TABLE users DROP COLUMN display_name;',
    });
    const all = [...(await loadMigrations(dir))];
    const before = (await db.client.query('SELECT count(*)::int AS n FROM users')).rows[0].n;
    await applyPending(db.client, all, {
      phases: ['expand'],
      executionId: 'v4',
      log,
      versionedSchema: { release: 'v4' },
    });
    await backfillAll(all, 'v4', ['300']);
    const v4 = await connectAs('v4');
    await v4.query("INSERT INTO users (full_name) SELECT 'v4-' || g FROM generate_series(1, 50) g");
    await v4.query("UPDATE users SET full_name = 'v4-upd' || id WHERE id BETWEEN 10 AND 59");
    await v4.end();
    // WHEN the release is rolled back
    await rollback(db.client, all, {
      appliedBy: 'v4',
      executionId: 'v4',
      log,
      versionedSchema: { release: 'v4' },
    });
    // THEN zd_v4 is gone, zd_v3 untouched, and v3 sees every row v4 wrote
    const { rows: schemas } = await db.client.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'zd\\_v%' ORDER BY 1",
    );
    expect(schemas.map((s) => s.nspname)).toEqual(['zd_v3']);
    const v3 = await connectAs('v3');
    const { rows } = await v3.query(`
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE display_name LIKE 'v4-%')::int AS inserted,
             count(*) FILTER (WHERE id BETWEEN 10 AND 59 AND display_name = 'v4-upd' || id)::int AS updated
        FROM users`);
    await v3.end();
    expect(rows[0]).toEqual({ total: before + 50, inserted: 100, updated: 50 });
    expect((await readVersions(db.client)).find((v) => v.release === 'v4')?.retiredBecause).toBe('rollback');
    // and status shows which versions exist
    const status = await runCli(['status', '--database-url', db.url, '--migrations', dir]);
    expect(status.stdout).toContain('version: release v3 reads and writes schema zd_v3 (since ');
    expect(status.stdout).toContain('; search_path zd_v3, public');
    expect(status.stdout).toContain('versions retired: zd_v2 (contracted), zd_v4 (rolled back)');
    const json = JSON.parse(
      (await runCli(['status', '--database-url', db.url, '--migrations', dir, '--format', 'json'])).stdout,
    );
    expect(
      json.versions.map((v: { schema: string; searchPath: string | null }) => [v.schema, v.searchPath]),
    ).toEqual([
      ['zd_v2', null],
      ['zd_v3', 'zd_v3, public'],
      ['zd_v4', null],
    ]);
  });

  it('row-level security and grants apply through the views to the app role that queries them', async () => {
    // GIVEN a table with a tenant policy, an app role granted on it, and a versioned release
    const role = `zd_app_${randomBytes(4).toString('hex')}`;
    await db.client.query(`
      CREATE TABLE notes (id serial PRIMARY KEY, tenant text NOT NULL, body text NOT NULL);
      INSERT INTO notes (tenant, body) VALUES ('a', 'a1'), ('a', 'a2'), ('b', 'b1');
      ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_only ON notes USING (tenant = current_setting('app.tenant'))
        WITH CHECK (tenant = current_setting('app.tenant'));
      CREATE ROLE ${role};
      GRANT SELECT, INSERT ON notes TO ${role};
      GRANT USAGE ON SEQUENCE notes_id_seq TO ${role};`);
    try {
      const dir = await migrationsDir({ '400_nothing.sql': 'SELECT 1;' });
      await applyPending(db.client, await loadMigrations(dir), {
        phases: ['expand'],
        executionId: 'v5',
        log,
        versionedSchema: { release: 'v5' },
        outOfOrder: true,
      });
      const app = await connectAs('v5');
      try {
        await app.query(`SET ROLE ${role}`);
        await app.query("SET app.tenant = 'a'");
        // THEN the role sees only its tenant's rows through the view, and cannot write another's
        const { rows } = await app.query('SELECT body FROM notes ORDER BY id');
        expect(rows).toEqual([{ body: 'a1' }, { body: 'a2' }]);
        const returned = await app.query(
          "INSERT INTO notes (tenant, body) VALUES ('a', 'a3') RETURNING id, body",
        );
        expect(returned.rows[0].body).toBe('a3');
        const refused = await app
          .query("INSERT INTO notes (tenant, body) VALUES ('b', 'b2')")
          .catch((e) => e);
        expect(refused.message).toMatch(/row-level security/);
        // and a privilege the table does not grant is not granted by the view either
        const denied = await app.query('DELETE FROM notes').catch((e) => e);
        expect(denied.message).toMatch(/permission denied/);
      } finally {
        await app.end();
      }
    } finally {
      await db.client.query(`DROP SCHEMA IF EXISTS zd_v5 CASCADE; DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('refuses a release whose schema name another release has', async () => {
    const dir = await migrationsDir({ '500_nothing.sql': 'SELECT 1;' });
    const error = await applyPending(db.client, await loadMigrations(dir), {
      phases: ['expand'],
      executionId: 'V3',
      log,
      versionedSchema: { release: 'V3' },
      outOfOrder: true,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(VersionedSchemaUnavailable);
    expect(error.message).toMatch(/release V3 would have the schema zd_v3, which release v3 has already/);
  });
});
