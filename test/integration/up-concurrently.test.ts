import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

const db = useFreshDatabase();

/**
 * Runs `zerodown up` with a 100 ms lock_timeout while a long transaction on an unrelated table (a
 * report, a pg_dump) is open; once the index build waits on that transaction, and has waited well past
 * lock_timeout, the transaction ends.
 */
async function upWhileReportRuns(args: string[]): Promise<CliResult & { waited: boolean }> {
  const report = await db.connect();
  await report.query('BEGIN ISOLATION LEVEL REPEATABLE READ'); // holds its snapshot, as pg_dump does
  await report.query('SELECT count(*) FROM reports');
  const { rows } = await report.query<{ vxid: string }>(
    "SELECT virtualxid AS vxid FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'virtualxid'",
  );
  const up = runCli(['up', '--database-url', db.url, '--lock-timeout', '100ms', ...args]);
  let waited = false;
  let finished = false;
  void up.then(() => {
    finished = true;
  });
  while (!waited && !finished) {
    // the build waits on the report's virtual transaction id: a lock it asks for and is not granted
    const waiting = await db.client.query(
      "SELECT 1 FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = $1 AND NOT granted",
      [rows[0]!.vxid],
    );
    waited = waiting.rows.length > 0;
    if (!waited) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (waited) await new Promise((resolve) => setTimeout(resolve, 500)); // 5x lock_timeout
  await report.query('COMMIT');
  await report.end();
  return { ...(await up), waited };
}

async function indexes(): Promise<{ name: string; valid: boolean }[]> {
  const { rows } = await db.client.query(
    `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'accounts'::regclass AND NOT i.indisprimary ORDER BY 1`,
  );
  return rows;
}

describe('zerodown up builds indexes CONCURRENTLY while another transaction is long', () => {
  it('waits for an unrelated transaction instead of failing at lock_timeout and rebuilding', async () => {
    // GIVEN a table, and migrations with a named and an unnamed CREATE INDEX CONCURRENTLY
    await db.client.query(`
      CREATE TABLE accounts (id bigserial PRIMARY KEY, email text, region text);
      INSERT INTO accounts (email, region) SELECT 'a' || g || '@x', 'r' || (g % 7) FROM generate_series(1, 20000) g;
      CREATE TABLE reports (id int);`);
    const dir = await migrationsDir({
      '1_email_index.sql':
        '-- migrate:up\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n-- migrate:down\nDROP INDEX CONCURRENTLY accounts_email;\n',
      '2_region_index.sql': '-- migrate:up\nCREATE INDEX CONCURRENTLY ON accounts (region);\n',
    });
    // WHEN up builds the named index while a report is open
    const named = await upWhileReportRuns(['--migrations', dir, '--to', '1', '--verbose']);
    // THEN it waited for the report, then built the index once: no lock_timeout, no rebuild
    expect(named.code, named.stderr).toBe(0);
    expect(named.waited, named.stderr).toBe(true);
    expect(named.stderr).not.toMatch(/lock_timeout on attempt|dropping INVALID index/);
    expect(named.stderr).toMatch(/building index accounts_email on accounts on its own session/);
    expect(await indexes()).toEqual([{ name: 'accounts_email', valid: true }]);
    // WHEN the unnamed one is built the same way (inline: PostgreSQL names it)
    const unnamed = await upWhileReportRuns(['--migrations', dir]);
    expect(unnamed.code, unnamed.stderr).toBe(0);
    expect(unnamed.waited).toBe(true);
    expect(unnamed.stderr).not.toMatch(/lock_timeout on attempt|dropping INVALID index/);
    expect(await indexes()).toEqual([
      { name: 'accounts_email', valid: true },
      { name: 'accounts_region_idx', valid: true },
    ]);
  });
});
