import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runNode } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { NODE_PG_MIGRATE, runBaseline } from '../support/peers.ts';

const db = useFreshDatabase();

// node-pg-migrate's own module shape, as a team that uses it writes its migrations
const FILES = {
  '1700000000000_create-accounts.js':
    "exports.up = (pgm) => { pgm.createTable('accounts', { id: 'id', email: { type: 'text', notNull: true } }); };\nexports.down = (pgm) => { pgm.dropTable('accounts'); };\n",
  '1700000000100_accounts-name.js':
    "exports.up = (pgm) => { pgm.addColumn('accounts', { name: { type: 'text' } }); };\nexports.down = (pgm) => { pgm.dropColumn('accounts', 'name'); };\n",
};
const NEXT = {
  '1700000000200_accounts-email-index.js':
    "exports.up = (pgm) => { pgm.createIndex('accounts', 'email', { concurrently: true }); };\nexports.noTransaction = true;\nexports.down = (pgm) => { pgm.dropIndex('accounts', 'email', { concurrently: true }); };\n",
};

async function migrationRows() {
  const exists = await db.client.query("SELECT to_regclass('zerodown.migrations') IS NOT NULL AS ok");
  if (!exists.rows[0].ok) return [];
  const { rows } = await db.client.query(
    'SELECT version, name, phase, file, checksum, execution_id FROM zerodown.migrations ORDER BY id',
  );
  return rows;
}

describe('zerodown baseline --from node-pg-migrate', () => {
  it('takes over a history node-pg-migrate wrote: records its files as applied, runs none, then up applies only the new one', async () => {
    // GIVEN two migrations applied by node-pg-migrate itself
    const dir = await migrationsDir(FILES);
    const applied = await runNode([NODE_PG_MIGRATE, 'up', '-m', dir, '-d', 'ZD_NPM_URL'], {
      env: { ...process.env, ZD_NPM_URL: db.url },
    });
    expect(applied.stderr).not.toMatch(/error/i);
    expect(applied.code).toBe(0);
    const history = await db.client.query('SELECT name FROM pgmigrations ORDER BY id');
    expect(history.rows.map((r) => r.name)).toEqual([
      '1700000000000_create-accounts',
      '1700000000100_accounts-name',
    ]);
    // AND a third file written since
    await writeFile(join(dir, Object.keys(NEXT)[0]!), Object.values(NEXT)[0]!);

    // WHEN baselined with --dry-run
    const dry = await runBaseline('node-pg-migrate', dir, db.url, '--dry-run');
    // THEN it shows what it would record and writes nothing, not even the state schema
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      '2 would record as applied, 0 already recorded, 1 pending (dry run: nothing written)',
    );
    expect(dry.stdout).toMatch(/pending\s+\S*1700000000200_accounts-email-index\.js/);
    expect(await migrationRows()).toEqual([]);

    // WHEN baselined for real
    const result = await runBaseline('node-pg-migrate', dir, db.url, '--format', 'json');
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      ok: true,
      tool: 'node-pg-migrate',
      table: 'pgmigrations',
      dryRun: false,
    });
    expect(summary.recorded.map((r: { id: string }) => r.id)).toEqual([
      '1700000000000.expand',
      '1700000000100.expand',
    ]);
    // THEN zerodown records both as applied with the sha256 of each file
    const rows = await migrationRows();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      version: '1700000000000',
      name: 'create-accounts',
      phase: 'expand',
      execution_id: 'baseline:node-pg-migrate',
    });
    expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    // AND status agrees: two applied, one pending
    const status = JSON.parse(
      (await runCli(['status', '--format', 'json', '--migrations', dir, '--database-url', db.url])).stdout,
    );
    expect(status.migrations.map((m: { state: string }) => m.state)).toEqual([
      'applied',
      'applied',
      'pending',
    ]);
    // AND up applies the third only (re-running the first would fail: accounts exists)
    const up = await runCli(['up', '--migrations', dir, '--database-url', db.url]);
    expect(up.stderr).not.toMatch(/error/);
    expect(up.code).toBe(0);
    const index = await db.client.query(
      "SELECT 1 FROM pg_indexes WHERE tablename = 'accounts' AND indexdef LIKE '%(email)%'",
    );
    expect(index.rowCount).toBe(1);

    // WHEN baselined again THEN nothing is recorded twice
    const again = await runBaseline('node-pg-migrate', dir, db.url);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 recorded as applied, 2 already recorded');
    expect(await migrationRows()).toHaveLength(3);
  });

  it('refuses a history row with no file, naming it, and records nothing', async () => {
    // GIVEN node-pg-migrate's history and a directory that lost one of its files
    const dir = await migrationsDir({ ...FILES });
    await rm(join(dir, '1700000000100_accounts-name.js'));
    await db.client.query('DROP SCHEMA zerodown CASCADE');
    // WHEN baselined
    const result = await runBaseline('node-pg-migrate', dir, db.url);
    // THEN it exits 1 naming the row and what to do; zerodown.migrations stays empty
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'pgmigrations row "1700000000100_accounts-name": no file in the migrations directory has it',
    );
    expect(result.stderr).toContain('nothing was recorded');
    expect(await migrationRows()).toEqual([]);
  });

  it('refuses while another runner holds the migration lock (a node-pg-migrate up, say), writing nothing', async () => {
    // GIVEN a session holding node-pg-migrate's advisory lock, as its up does while it runs
    const dir = await migrationsDir(FILES);
    const holder = await db.connect();
    try {
      await holder.query("SET application_name = 'node-pg-migrate up'");
      await holder.query('SELECT pg_advisory_lock(7241865325823964)');
      // WHEN baselined
      const result = await runBaseline('node-pg-migrate', dir, db.url);
      // THEN it exits 1 naming the holder, and recorded nothing
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('node-pg-migrate up');
      expect(await migrationRows()).toEqual([]);
    } finally {
      await holder.end();
    }
  });

  it('names a missing history table and how to give the right one', async () => {
    const dir = await migrationsDir(FILES);
    const result = await runBaseline('node-pg-migrate', dir, db.url, '--table', 'old.history');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no table old.history in this database');
    expect(result.stderr).toContain('--table');
    const bad = await runBaseline('node-pg-migrate', dir, db.url, '--table', 'x; drop');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a table name');
  });
});
