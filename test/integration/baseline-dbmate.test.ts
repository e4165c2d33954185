import { describe, expect, it } from 'vitest';
import { runCli, runProcess } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { findDbmate, runBaseline } from '../support/peers.ts';

const db = useFreshDatabase();
const dbmate = findDbmate();

// dbmate's format is zerodown's: one directory both tools read
const FILES = {
  '20240101000000_create_orders.sql':
    '-- migrate:up\nCREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\n\n-- migrate:down\nDROP TABLE orders;\n',
  '20240102000000_orders_note.sql':
    '-- migrate:up\nALTER TABLE orders ADD COLUMN note text;\n\n-- migrate:down\nALTER TABLE orders DROP COLUMN note;\n',
  '20240103000000_orders_placed.sql':
    '-- migrate:up\nALTER TABLE orders ADD COLUMN placed_at timestamptz;\n\n-- migrate:down\nALTER TABLE orders DROP COLUMN placed_at;\n',
};

async function dbmateUp(dir: string, ...more: string[]) {
  const url = `${db.url}${db.url.includes('?') ? '&' : '?'}sslmode=disable`;
  const path = (dbmate as { path: string }).path;
  const result = await runProcess(
    path,
    ['--url', url, '--migrations-dir', dir, '--no-dump-schema', ...more, 'up'],
    {
      env: process.env,
    },
  );
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

describe.skipIf('reason' in dbmate)(
  `zerodown baseline --from dbmate${'reason' in dbmate ? ` (skipped: ${dbmate.reason})` : ''}`,
  () => {
    it('takes over the schema_migrations dbmate wrote, up to --to, then up runs none of them again', async () => {
      // GIVEN three migrations applied by dbmate
      const dir = await migrationsDir(FILES);
      await dbmateUp(dir);
      const history = await db.client.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(history.rows.map((r) => r.version)).toEqual([
        '20240101000000',
        '20240102000000',
        '20240103000000',
      ]);

      // WHEN baselined up to the second one
      const result = await runBaseline('dbmate', dir, db.url, '--to', '20240102000000', '--format', 'json');
      const summary = JSON.parse(result.stdout);
      // THEN the first two are recorded, the third is left for later and so pending
      expect(summary.recorded.map((r: { id: string }) => r.id)).toEqual([
        '20240101000000.expand',
        '20240102000000.expand',
      ]);
      expect(summary.afterTo).toEqual(['schema_migrations version 20240103000000']);
      expect(summary.pending).toHaveLength(1);
      const { rows } = await db.client.query(
        "SELECT version, checksum FROM zerodown.migrations WHERE execution_id = 'baseline:dbmate' ORDER BY id",
      );
      expect(rows.map((r) => r.version)).toEqual(['20240101000000', '20240102000000']);

      // WHEN the rest is baselined THEN the third is recorded too, the first two not again
      const rest = await runBaseline('dbmate', dir, db.url);
      expect(rest.stdout).toContain('1 recorded as applied, 2 already recorded, 0 pending');
      // AND up has nothing to do (each ALTER would fail if it ran again)
      const up = await runCli(['up', '--format', 'json', '--migrations', dir, '--database-url', db.url]);
      expect(JSON.parse(up.stdout)).toMatchObject({ ok: true, steps: [] });
    });

    it('reads a history table of another name (--migrations-table), and refuses a --to that names no file', async () => {
      // GIVEN dbmate keeping its history in dbmate_history
      await db.client.query('DROP SCHEMA zerodown CASCADE; DROP TABLE orders, schema_migrations');
      const dir = await migrationsDir(FILES);
      await dbmateUp(dir, '--migrations-table', 'dbmate_history');
      // WHEN the default table is asked for THEN it is named as missing
      const missing = await runBaseline('dbmate', dir, db.url);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('no table schema_migrations in this database');
      // WHEN --to names no file THEN a usage error
      const typo = await runBaseline('dbmate', dir, db.url, '--table', 'dbmate_history', '--to', '20240109');
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain('--to 20240109: no migration has that version');
      // WHEN --table names it THEN all three are recorded
      const result = await runBaseline('dbmate', dir, db.url, '--table', 'dbmate_history');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('baseline from dbmate (dbmate_history): 3 recorded as applied');
    });
  },
);
