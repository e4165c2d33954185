import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareBackfill, runBackfillChunk, runBackfillToCompletion } from '../../core/backfill/index.ts';
import { MigrationFailed } from '../../core/errors.ts';
import { backfillFile, rewriteBackfill } from '../support/backfill-fixtures.ts';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { recordingLog } from '../support/recording-log.ts';

const db = useFreshDatabase();

async function seed(table: string, rows: number) {
  await db.client.query(
    `CREATE TABLE ${table} (id bigserial PRIMARY KEY, username text NOT NULL, code text, login text, n int);
     INSERT INTO ${table} (username, code) SELECT 'user' || g, g::text FROM generate_series(1, ${rows}) g;`,
  );
}

async function syncTriggersOn(table: string): Promise<string[]> {
  const { rows } = await db.client.query(
    "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname LIKE 'zerodown\\_sync\\_%' ORDER BY 1",
    [table],
  );
  return rows.map((r) => r.tgname);
}

/** A checksum of the table's data, to show that nothing was written. */
async function checksum(table: string): Promise<string> {
  const { rows } = await db.client.query(
    `SELECT md5(string_agg(t::text, ',' ORDER BY id)) AS sum, count(*)::int AS n FROM ${table} t`,
  );
  return `${rows[0].n}:${rows[0].sum}`;
}

describe('a backfill that cannot work never breaks the application', () => {
  it('a typo in set fails before anything is installed; the fixed file runs without --restart', async () => {
    // GIVEN a table and a backfill whose expression names a column that does not exist
    await seed('typo_users', 5_000);
    const before = await checksum('typo_users');
    const dir = await migrationsDir({
      '1_login.backfill.json': JSON.stringify({ table: 'typo_users', set: { login: 'usernam' }, sync: true }),
    });
    const common = ['--database-url', db.url, '--migrations', dir];
    // WHEN zerodown backfill runs
    const failed = await runCli(['backfill', ...common]);
    // THEN it fails naming the file and the field, installs nothing and writes nothing
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      '1_login.backfill.json: set.login does not work on typo_users: column "usernam" does not exist',
    );
    expect(failed.stderr).toContain('nothing was installed or written');
    expect(failed.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await syncTriggersOn('typo_users')).toEqual([]);
    expect(await checksum('typo_users')).toBe(before);
    // and the application's writes go on
    await db.client.query("INSERT INTO typo_users (username) VALUES ('after-typo')");
    // WHEN the spec is fixed, the same command runs it (no --restart)
    await writeFile(
      join(dir, '1_login.backfill.json'),
      JSON.stringify({ table: 'typo_users', set: { login: 'username' }, sync: true }),
    );
    const fixed = await runCli(['backfill', ...common]);
    expect(fixed.code, fixed.stderr).toBe(0);
    const { rows } = await db.client.query(
      'SELECT count(*)::int AS n, count(*) FILTER (WHERE login = username)::int AS right FROM typo_users',
    );
    expect(rows[0]).toEqual({ n: 5_001, right: 5_001 });
  });

  it('an expression of the wrong type, or a where that is not a boolean, fails before anything runs', async () => {
    await seed('type_users', 100);
    const wrongType = await backfillFile('2_n.backfill.json', {
      table: 'type_users',
      set: { n: "'x' || username" },
      where: 'n IS NULL',
    });
    await expect(
      prepareBackfill(db.client, wrongType, { executionId: 'type', log: recordingLog() }),
    ).rejects.toThrow(
      /2_n\.backfill\.json: set\.n does not work on type_users: column "n" is of type integer/,
    );
    const notBoolean = await backfillFile('3_n.backfill.json', {
      table: 'type_users',
      set: { login: 'username' },
      where: 'id + 1',
    });
    await expect(
      prepareBackfill(db.client, notBoolean, { executionId: 'type', log: recordingLog() }),
    ).rejects.toThrow(
      /3_n\.backfill\.json: where does not work on type_users: argument of WHERE must be type boolean/,
    );
    const { rows } = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.backfills WHERE table_name = 'type_users'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('a first batch that fails on the data removes the sync trigger it installed', async () => {
    // GIVEN a cast that the first row's data does not allow
    await seed('cast_users', 1_000);
    await db.client.query("UPDATE cast_users SET code = 'not a number' WHERE id = 1");
    const migration = await backfillFile('4_n.backfill.json', {
      table: 'cast_users',
      set: { n: 'code::int' },
      sync: true,
    });
    // WHEN the backfill runs
    const log = recordingLog();
    const error = await runBackfillToCompletion(db.client, migration, { executionId: 'cast', log }).catch(
      (e: unknown) => e,
    );
    // THEN it fails naming the batch, and the trigger is gone: writes of such rows go on
    expect(error).toBeInstanceOf(MigrationFailed);
    expect((error as Error).message).toMatch(/invalid input syntax for type integer: "not a number"/);
    expect((error as Error).message).toContain('no batch of it has committed');
    expect(await syncTriggersOn('cast_users')).toEqual([]);
    await db.client.query("INSERT INTO cast_users (username, code) VALUES ('x', 'also not a number')");
    // WHEN the spec is fixed, the next run plans it again (no --restart: no batch had committed)
    const fixed = await rewriteBackfill(migration, {
      table: 'cast_users',
      set: { n: "CASE WHEN code ~ '^[0-9]+$' THEN code::int END" },
      sync: true,
    });
    await runBackfillToCompletion(db.client, fixed, { executionId: 'cast', log });
    expect(log.lines.join('\n')).toContain('changed before any batch committed; planning it again');
    const { rows } = await db.client.query(
      "SELECT count(*)::int AS n, count(n)::int AS filled FROM cast_users WHERE code ~ '^[0-9]+$'",
    );
    expect(rows[0]).toEqual({ n: 999, filled: 999 });
    expect(await syncTriggersOn('cast_users')).toHaveLength(2);
  });

  it('once batches have committed, a row the expression fails on is written, left NULL, with a warning', async () => {
    await seed('warn_users', 1_000);
    const migration = await backfillFile('5_n.backfill.json', {
      table: 'warn_users',
      set: { n: 'code::int' },
      sync: true,
      batchSize: 100,
    });
    const log = recordingLog();
    const [job] = await prepareBackfill(db.client, migration, { executionId: 'warn', log });
    await runBackfillChunk(db.client, migration, job!, { budgetMs: 1, executionId: 'warn', log });
    expect(await syncTriggersOn('warn_users')).toHaveLength(2);
    // WHEN the old application writes a row whose code is not a number, and one whose code is
    const notices: string[] = [];
    const writer = await db.connect();
    writer.on('notice', (n) => notices.push(n.message ?? ''));
    try {
      await writer.query("INSERT INTO warn_users (username, code) VALUES ('bad', 'twelve'), ('good', '12')");
      await writer.query("UPDATE warn_users SET code = 'x' || code WHERE id = 2");
    } finally {
      await writer.end();
    }
    // THEN both writes succeed: the good row is synced, the bad ones are left for the batches
    const { rows } = await db.client.query(
      "SELECT username, n FROM warn_users WHERE username IN ('bad', 'good') OR id = 2 ORDER BY id",
    );
    expect(rows).toEqual([
      { username: 'user2', n: null },
      { username: 'bad', n: null },
      { username: 'good', n: 12 },
    ]);
    expect(notices.filter((m) => m.startsWith('zerodown sync trigger: invalid input syntax'))).toHaveLength(
      2,
    );
  });
});

describe('backfill expressions cannot escape their parentheses', () => {
  it('a set that closes its parenthesis and assigns another column is refused; nothing is erased', async () => {
    await seed('escape_users', 2_000);
    const before = await checksum('escape_users');
    for (const [name, spec] of [
      ['6_a.backfill.json', { table: 'escape_users', set: { login: 'username), username = (NULL' } }],
      ['7_b.backfill.json', { table: 'escape_users', set: { login: 'username' }, where: 'false) OR (true' }],
      ['8_c.backfill.json', { table: 'escape_users', set: { login: 'username' }, where: 'login IS NULL --' }],
      [
        '9_d.backfill.json',
        { table: 'escape_users', set: { login: "username || ''); DELETE FROM escape_users; --" } },
      ],
      [
        '10_e.backfill.json',
        { table: 'escape_users', set: { login: 'username' }, where: 'true) AND (SELECT true' },
      ],
    ] as const) {
      const migration = await backfillFile(name, spec);
      const outcome = await runBackfillToCompletion(db.client, migration, {
        executionId: 'escape',
        log: recordingLog(),
      }).then(
        () => 'ran',
        (e: Error) => e.message,
      );
      if (name === '8_c.backfill.json') {
        // a trailing comment is removed, not a hole: the where still bounds every batch
        expect(outcome).toBe('ran');
        await db.client.query('UPDATE escape_users SET login = NULL');
      } else {
        expect(outcome).toMatch(
          new RegExp(`${name.replace('.', '\\.')}: (set\\.login|where) must be one SQL expression`),
        );
      }
    }
    expect(await checksum('escape_users')).toBe(before);
    // only the backfill with the comment was ever prepared
    const { rows } = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.events WHERE event = 'backfill_prepared' AND detail LIKE '% over escape\\_users %'",
    );
    expect(rows[0].n).toBe(1);
  });
});
