import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { flywayChecksum } from '../../core/baseline/flyway-checksum.ts';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { runBaseline } from '../support/peers.ts';

const db = useFreshDatabase();
const JAVA_CHECKSUM = fileURLToPath(new URL('../support/flyway/FlywayChecksum.java', import.meta.url));

/**
 * Flyway's checksums of the files: from the JDK's BufferedReader and CRC32 (as Flyway computes them) when
 * java is on this machine; else from zerodown's implementation, which test/unit/flyway-checksum.test.ts
 * pins to values Java computed.
 */
function checksumsOf(paths: string[]): number[] {
  try {
    return execFileSync('java', [JAVA_CHECKSUM, ...paths], { encoding: 'utf8', timeout: 60_000 })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return paths.map((p) => flywayChecksum(readFileSync(p)));
  }
}

// V1 ran before Flyway came (the team baselined at 1); V2 and V2.1 Flyway applied; V3 is new
const FILES = {
  'V1__init.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY);\n',
  'V2__accounts_email.sql': '-- the login\r\nALTER TABLE accounts ADD COLUMN email text;\r\n',
  'V2_1__accounts_name.sql':
    "ALTER TABLE accounts ADD COLUMN name text;\n\nCOMMENT ON COLUMN accounts.name IS 'shown';\n",
  'V3__accounts_email_index.sql': 'CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n',
};

/** The history table as Flyway (6 to 11) creates it on PostgreSQL, and its rows as Flyway writes them. */
async function writeFlywayHistory(dir: string, options: { failed?: boolean } = {}) {
  await db.client.query(`
    CREATE TABLE "public"."flyway_schema_history" (
      "installed_rank" INT NOT NULL,
      "version" VARCHAR(50),
      "description" VARCHAR(200) NOT NULL,
      "type" VARCHAR(20) NOT NULL,
      "script" VARCHAR(1000) NOT NULL,
      "checksum" INT,
      "installed_by" VARCHAR(100) NOT NULL,
      "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
      "execution_time" INT NOT NULL,
      "success" BOOLEAN NOT NULL
    );
    ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
    CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");`);
  const [v2, v21] = checksumsOf([join(dir, 'V2__accounts_email.sql'), join(dir, 'V2_1__accounts_name.sql')]);
  const insert = `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
                  VALUES ($1, $2, $3, $4, $5, $6, current_user, $7, $8)`;
  await db.client.query(insert, [
    1,
    '1',
    '<< Flyway Baseline >>',
    'BASELINE',
    '<< Flyway Baseline >>',
    null,
    0,
    true,
  ]);
  await db.client.query(insert, [2, '2', 'accounts email', 'SQL', 'V2__accounts_email.sql', v2, 14, true]);
  await db.client.query(insert, [
    3,
    '2.1',
    'accounts name',
    'SQL',
    'V2_1__accounts_name.sql',
    v21,
    9,
    !options.failed,
  ]);
}

describe('zerodown baseline --from flyway', () => {
  it('takes over flyway_schema_history: the baselined file, the applied ones with matching checksums; up runs only V3', async () => {
    // GIVEN a database Flyway migrated to 2.1, on a baseline at 1
    const dir = await migrationsDir(FILES);
    await db.client.query(
      "CREATE TABLE accounts (id bigint PRIMARY KEY); ALTER TABLE accounts ADD COLUMN email text; ALTER TABLE accounts ADD COLUMN name text; COMMENT ON COLUMN accounts.name IS 'shown'",
    );
    await writeFlywayHistory(dir);

    // WHEN baselined with --dry-run THEN it shows what it would record, writing nothing
    const dry = await runBaseline('flyway', dir, db.url, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('3 would record as applied, 0 already recorded, 1 pending');
    expect(dry.stdout).toMatch(
      /would record\s+\S*V1__init\.sql\s+\(at or below flyway_schema_history installed_rank 1 \(BASELINE 1/,
    );
    expect((await db.client.query("SELECT 1 FROM pg_namespace WHERE nspname = 'zerodown'")).rowCount).toBe(0);

    // WHEN baselined
    const result = await runBaseline('flyway', dir, db.url, '--format', 'json');
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout);
    // THEN V1, V2 and V2.1 are recorded (Flyway's markers ignored), V3 pending
    expect(summary.recorded.map((r: { id: string; by: string }) => `${r.id} ${r.by}`)).toEqual([
      '2.expand history',
      '2_1.expand history',
      '1.expand flyway-baseline',
    ]);
    expect(summary.ignored.map((i: { row: string }) => i.row)).toEqual([
      'flyway_schema_history installed_rank 1 (BASELINE 1 << Flyway Baseline >>)',
    ]);
    expect(summary.pending).toEqual([expect.stringMatching(/V3__accounts_email_index\.sql$/)]);
    // AND each is recorded with Flyway's time and duration
    const { rows } = await db.client.query(
      "SELECT version, duration_ms FROM zerodown.migrations WHERE execution_id = 'baseline:flyway' ORDER BY version",
    );
    expect(rows).toEqual([
      { version: '1', duration_ms: 0 },
      { version: '2', duration_ms: 14 },
      { version: '2_1', duration_ms: 9 },
    ]);
    // AND up applies V3 alone
    const up = JSON.parse(
      (await runCli(['up', '--format', 'json', '--migrations', dir, '--database-url', db.url])).stdout,
    );
    expect(up.steps.map((s: { id: string }) => s.id)).toEqual(['3.expand']);
  });

  it('refuses a file whose Flyway checksum differs, and a failed row, naming each; line endings do not count', async () => {
    // GIVEN Flyway's history with 2.1 failed, and V2 edited since Flyway applied it
    await db.client.query('DROP SCHEMA zerodown CASCADE; DROP TABLE flyway_schema_history');
    const dir = await migrationsDir(FILES);
    await writeFlywayHistory(dir, { failed: true });
    await writeFile(
      join(dir, 'V2__accounts_email.sql'),
      '-- the login\nALTER TABLE accounts ADD COLUMN email varchar(200);\n',
    );
    const [edited] = checksumsOf([join(dir, 'V2__accounts_email.sql')]);
    const recorded = (await db.client.query("SELECT checksum FROM flyway_schema_history WHERE version = '2'"))
      .rows[0].checksum;
    // WHEN baselined
    const result = await runBaseline('flyway', dir, db.url);
    // THEN it exits 1 naming both, with the checksums, and records nothing
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `V2__accounts_email.sql changed since Flyway applied it: its checksum is ${edited}, the history says ${recorded}`,
    );
    expect(result.stderr).toMatch(/installed_rank 3 \(SQL 2\.1 V2_1__accounts_name\.sql\): failed in Flyway/);
    expect((await db.client.query('SELECT count(*)::int AS n FROM zerodown.migrations')).rows[0].n).toBe(0);

    // WHEN the file is restored with other line endings (LF for CRLF) and the failed row repaired
    await writeFile(
      join(dir, 'V2__accounts_email.sql'),
      FILES['V2__accounts_email.sql'].replaceAll('\r\n', '\n'),
    );
    await db.client.query("UPDATE flyway_schema_history SET success = true WHERE version = '2.1'");
    // THEN the checksum matches again (Flyway's ignores line endings) and the baseline goes through
    const fixed = await runBaseline('flyway', dir, db.url);
    expect(fixed.stderr).toBe('');
    expect(fixed.stdout).toContain('3 recorded as applied');
  });

  it('names a row whose file is gone, and a repeatable migration', async () => {
    await db.client.query('DROP SCHEMA zerodown CASCADE');
    // GIVEN V2's file gone, and a repeatable migration in the history
    const { 'V2__accounts_email.sql': _gone, ...kept } = FILES;
    const dir = await migrationsDir(kept);
    await db.client.query(
      "INSERT INTO flyway_schema_history VALUES (4, NULL, 'views', 'SQL', 'R__views.sql', 12, current_user, now(), 3, true)",
    );
    // WHEN baselined with --dry-run THEN both are named, and it exits 1
    const result = await runBaseline('flyway', dir, db.url, '--dry-run');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /MISMATCH\s+flyway_schema_history installed_rank 2 \(SQL 2 V2__accounts_email\.sql\): no file in the migrations directory has it/,
    );
    expect(result.stdout).toMatch(
      /MISMATCH\s+flyway_schema_history installed_rank 4 \(SQL repeatable R__views\.sql\): a repeatable migration/,
    );
  });
});
