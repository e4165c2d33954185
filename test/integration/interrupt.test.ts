import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

const BIN = fileURLToPath(new URL('../../bin/zerodown.mjs', import.meta.url));
const db = useFreshDatabase();

/** Waits until a backend of this database runs a query containing `text` (polled, no fixed sleep). */
async function untilRunning(text: string): Promise<number> {
  for (;;) {
    const { rows } = await db.client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()",
      [text],
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a run interrupted by a signal', () => {
  for (const [version, signal, code] of [
    [1, 'SIGTERM', 143],
    [2, 'SIGINT', 130],
  ] as const) {
    it(`${signal}: stops the running statement, gives the lock back at once, and the same command resumes`, async () => {
      const table = `int_${signal.toLowerCase()}`;
      const dir = await migrationsDir({
        [`${version}_first.sql`]: `-- migrate:up transaction:false\nCREATE TABLE ${table} (id bigint);\nSELECT pg_sleep(CASE WHEN to_regclass('${table}_hold') IS NULL THEN 0 ELSE 60 END) AS ${table}_wait;\nALTER TABLE ${table} ADD COLUMN done boolean;\n-- migrate:down\nDROP TABLE ${table};\n`,
      });
      await db.client.query(`CREATE TABLE ${table}_hold ()`);
      const args = [BIN, 'up', '--database-url', db.url, '--migrations', dir];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const exited = once(child, 'exit');
      const pid = await Promise.race([
        untilRunning(`${table}_wait`),
        exited.then(() => {
          throw new Error(`zerodown up exited before its statement ran: ${stderr}`);
        }),
      ]);
      child.kill(signal);
      const [exitCode] = await exited;
      expect(exitCode).toBe(code);
      expect(stderr).toMatch(
        new RegExp(
          `interrupted \\(${signal}\\): the running statement was stopped and the zerodown lock released`,
        ),
      );
      expect(stderr).not.toMatch(/^\s+at /m);
      // the statement's session is gone, and the lease is free
      const backend = await db.client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      expect(backend.rowCount).toBe(0);
      const lease = await db.client.query('SELECT owner FROM zerodown.lock WHERE id = 1');
      expect(lease.rows[0].owner).toBeNull();
      // the first statement was recorded, so a rerun resumes after it (and no longer waits)
      const partial = await db.client.query('SELECT statements_done FROM zerodown.partial');
      expect(partial.rows.map((r) => r.statements_done)).toEqual([1]);
      await db.client.query(`DROP TABLE ${table}_hold`);
      const rerun = await runCli(['up', '--database-url', db.url, '--migrations', dir]);
      expect(rerun).toMatchObject({ code: 0 });
      expect(rerun.stderr).toMatch(/resuming after statement 1/);
      const column = await db.client.query(
        'SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2',
        [table, 'done'],
      );
      expect(column.rowCount).toBe(1);
    });
  }

  it("kill -9: the lease is taken over at once once the dead run's session has ended, and the run resumes", async () => {
    const table = 'int_kill9';
    await db.client.query(`CREATE TABLE ${table}_hold ()`);
    const dir = await migrationsDir({
      '3_first.sql': `-- migrate:up transaction:false\nCREATE TABLE ${table} (id bigint);\nSELECT pg_sleep(CASE WHEN to_regclass('${table}_hold') IS NULL THEN 0 ELSE 60 END) AS ${table}_wait;\nALTER TABLE ${table} ADD COLUMN done boolean;\n-- migrate:down\nDROP TABLE ${table};\n`,
    });
    const args = ['up', '--database-url', db.url, '--migrations', dir];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    const pid = await Promise.race([
      untilRunning(`${table}_wait`),
      exited.then(() => {
        throw new Error('zerodown up exited before its statement ran');
      }),
    ]);
    child.kill('SIGKILL');
    await exited;
    // its statement still runs on the server and holds the advisory lock: a rerun is refused, naming it
    const early = await runCli(args);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /held by cli:\S+, whose process is gone, but its statement still runs on the server \(the migration advisory lock \d+ is held by "zerodown" \(pid \d+/,
    );
    const lease = await db.client.query('SELECT owner FROM zerodown.lock WHERE id = 1');
    expect(lease.rows[0].owner).toMatch(new RegExp(`^cli:[^:]+:${child.pid}:`));
    // once that session ends, the next run takes the lease over at once (not after its 2 minutes)
    await db.client.query('SELECT pg_terminate_backend($1)', [pid]);
    await db.client.query(`DROP TABLE ${table}_hold`);
    for (;;) {
      const { rowCount } = await db.client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (rowCount === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const rerun = await runCli(args);
    expect(rerun).toMatchObject({ code: 0 });
    expect(rerun.stderr).toMatch(
      /held by cli:.*, whose process is gone and whose session has ended; taking it over/,
    );
    expect(rerun.stderr).toMatch(/resuming after statement 1/);
  });
});
