import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

// statement_timeout reached (issue 13's faults): by a migration's statement under `up
// --statement-timeout`, and by a backfill batch whose rows' expression is too slow. Each fails naming
// the file and what to do, keeps exactly what committed (recorded), frees the lease, and the same
// command run again once the cause is gone finishes.
const db = useFreshDatabase();

/** Sleeps `seconds` while the table `<name>_hold` exists, else returns at once. */
const sleepWhileHeld = (name: string, seconds: number) =>
  `SELECT pg_sleep(CASE WHEN to_regclass('${name}_hold') IS NULL THEN 0 ELSE ${seconds} END) AS ${name}_wait`;

async function liveLeases(): Promise<number> {
  const { rows } = await db.client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM zerodown.lock WHERE owner IS NOT NULL AND expires_at > now()',
  );
  return rows[0]!.n;
}

const exists = async (table: string) =>
  (await db.client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]!.t !==
  null;

describe('statement_timeout reached', () => {
  it('in a transactional migration: nothing of it applied or recorded, the lease freed, the file and line named', async () => {
    await db.client.query('CREATE TABLE st_tx_hold ()');
    const dir = await migrationsDir({
      '1_slow.sql': `-- migrate:up\nCREATE TABLE st_tx (id int);\n${sleepWhileHeld('st_tx', 5)};\n-- migrate:down\nDROP TABLE st_tx;\n`,
    });
    const args = ['up', '--database-url', db.url, '--migrations', dir];
    const failed = await runCli([...args, '--statement-timeout', '300ms']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/1_slow\.sql:3: canceling statement due to statement timeout/);
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    expect(await exists('st_tx')).toBe(false);
    const recorded = await db.client.query("SELECT 1 FROM zerodown.migrations WHERE version = '1'");
    expect(recorded.rowCount).toBe(0);
    expect(await liveLeases()).toBe(0);
    // once the statement is quick again the same command applies it
    await db.client.query('DROP TABLE st_tx_hold');
    expect(await runCli([...args, '--statement-timeout', '300ms'])).toMatchObject({ code: 0 });
    expect(await exists('st_tx')).toBe(true);
  });

  it('outside a transaction: the statements before it stay applied and recorded, and the rerun resumes after them', async () => {
    await db.client.query('CREATE TABLE st_nt_hold ()');
    const dir = await migrationsDir({
      '2_steps.sql': `-- migrate:up transaction:false\nCREATE TABLE st_nt_a (id int);\n${sleepWhileHeld('st_nt', 5)};\nCREATE TABLE st_nt_b (id int);\n-- migrate:down\nDROP TABLE st_nt_b;\nDROP TABLE st_nt_a;\n`,
    });
    const args = ['up', '--database-url', db.url, '--migrations', dir, '--statement-timeout', '300ms'];
    const failed = await runCli(args);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/2_steps\.sql:3: .*statement timeout/);
    expect(failed.stderr).toMatch(/statements 1-1 of 3 are applied and recorded; rerun to resume/);
    expect([await exists('st_nt_a'), await exists('st_nt_b')]).toEqual([true, false]);
    const partial = await db.client.query("SELECT statements_done FROM zerodown.partial WHERE version = '2'");
    expect(partial.rows).toEqual([{ statements_done: 1 }]);
    expect(await liveLeases()).toBe(0);
    await db.client.query('DROP TABLE st_nt_hold');
    const resumed = await runCli(args);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming after statement 1/);
    expect(await exists('st_nt_b')).toBe(true);
  });

  it('by a backfill batch: shrunk and retried, then StatementTimeout naming the file, the rows before it saved; the rerun finishes', async () => {
    await db.client.query(`
      CREATE TABLE st_bf_hold ();
      CREATE TABLE st_items (id bigint PRIMARY KEY, name text NOT NULL, label text);
      INSERT INTO st_items (id, name) SELECT g, 'item ' || g FROM generate_series(1, 400) g;
      CREATE FUNCTION st_label(name text, id bigint) RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        IF id = 300 AND to_regclass('st_bf_hold') IS NOT NULL THEN PERFORM pg_sleep(30); END IF;
        RETURN upper(name);
      END $$;`);
    const dir = await migrationsDir({
      '3_label.backfill.json': JSON.stringify({
        table: 'st_items',
        set: { label: 'st_label(name, id)' },
        where: 'label IS NULL',
        // a 10 ms target makes the batch's statement_timeout its floor, 5 s
        targetBatchMs: 10,
      }),
    });
    const args = ['backfill', '--database-url', db.url, '--migrations', dir];
    const failed = await runCli(args);
    expect(failed.code).toBe(1);
    const errors = failed.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /3_label\.backfill\.json: a batch of \d+ rows on (public\.)?st_items \(partition 0\) ran past its statement_timeout \(5000ms.*4 times in a row.*rows before it are saved/,
    );
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    // the batches before the slow row committed with their cursor; none after it ran
    const mid = await db.client.query(
      `SELECT count(label)::int AS labelled, count(*) FILTER (WHERE label IS DISTINCT FROM upper(name) AND label IS NOT NULL)::int AS wrong,
              (SELECT rows_done::int FROM zerodown.backfills) AS saved, max(id) FILTER (WHERE label IS NOT NULL)::int AS last
         FROM st_items`,
    );
    expect(mid.rows[0].wrong).toBe(0);
    expect(mid.rows[0].labelled).toBe(mid.rows[0].saved);
    expect(mid.rows[0].last).toBeLessThan(300);
    expect(await liveLeases()).toBe(0);
    await db.client.query('DROP TABLE st_bf_hold');
    expect(await runCli(args)).toMatchObject({ code: 0 });
    const done = await db.client.query(
      'SELECT count(*) FILTER (WHERE label = upper(name))::int AS right FROM st_items',
    );
    expect(done.rows[0].right).toBe(400);
  });
});
