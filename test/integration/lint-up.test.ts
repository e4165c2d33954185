import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

const db = useFreshDatabase();

async function applied(): Promise<{ version: string; lint_override: string | null }[]> {
  const exists = await db.client.query("SELECT to_regclass('zerodown.migrations') IS NOT NULL AS ok");
  if (!exists.rows[0].ok) return [];
  const { rows } = await db.client.query(
    'SELECT version, lint_override FROM zerodown.migrations WHERE rolled_back_at IS NULL ORDER BY version::int',
  );
  return rows;
}

describe('zerodown up lints the pending migrations first', () => {
  it('blocks on an error (exit 1, nothing applied), then applies with --allow-lint-errors and records the reason', async () => {
    // GIVEN a safe migration and one whose CREATE INDEX would block writes to a table in use
    const dir = await migrationsDir({
      '1_create.sql':
        '-- migrate:up\nCREATE TABLE lint_orders (id bigint PRIMARY KEY, status text);\n-- migrate:down\nDROP TABLE lint_orders;\n',
      '2_index.sql':
        '-- migrate:up\nCREATE INDEX lint_orders_status_idx ON lint_orders (status);\n-- migrate:down\nDROP INDEX CONCURRENTLY IF EXISTS lint_orders_status_idx;\n',
    });
    const args = ['up', '--database-url', db.url, '--migrations', dir];

    // WHEN zerodown up runs
    const blocked = await runCli(args);
    // THEN it exits 1 with LintFailed naming the file, line, rule and the safe SQL, and applies nothing
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(
      /error: lint found 1 error\(s\) in the pending migrations; nothing was applied:/,
    );
    expect(blocked.stderr).toMatch(/2_index\.sql:2:\d+ require-concurrent-index-creation/);
    expect(blocked.stderr).toMatch(
      /safe: CREATE INDEX CONCURRENTLY lint_orders_status_idx ON lint_orders \(status\)/,
    );
    expect(blocked.stderr).toMatch(/--allow-lint-errors "<reason>"/);
    expect(await applied()).toEqual([]);
    const table = await db.client.query("SELECT to_regclass('lint_orders') AS t");
    expect(table.rows[0].t).toBeNull();

    // WHEN the override is given without a reason THEN it is a usage error
    expect((await runCli([...args, '--allow-lint-errors', ' '])).code).toBe(2);

    // WHEN a person takes responsibility
    const reason = 'lint_orders is created empty in this release; reviewed by ops';
    const forced = await runCli([...args, '--allow-lint-errors', reason]);
    // THEN both are applied and the override is recorded with the reason and the findings overridden
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(
      /lint error overridden: .*2_index\.sql:2:\d+ require-concurrent-index-creation/,
    );
    const rows = await applied();
    expect(rows.map((r) => r.version)).toEqual(['1', '2']);
    // the runner takes one override per run: every migration of the run carries it, naming what it overrode
    for (const row of rows) {
      expect(row.lint_override).toMatch(
        /^lint_orders is created empty in this release; reviewed by ops \[overrode: \S*2_index\.sql:2:\d+ require-concurrent-index-creation\]$/,
      );
    }
    const index = await db.client.query("SELECT to_regclass('lint_orders_status_idx') AS i");
    expect(index.rows[0].i).toBe('lint_orders_status_idx');
  });

  it('only pending migrations are linted (an applied one with an override does not block later runs), and context from applied ones counts', async () => {
    // GIVEN an applied CHECK validated earlier, and a new migration that relies on it, plus a warning
    const dir = await migrationsDir({
      '10_table.sql': 'CREATE TABLE lint_users (id bigint PRIMARY KEY, email text);',
      '11_check.sql':
        'ALTER TABLE lint_users ADD CONSTRAINT lint_users_email_nn CHECK (email IS NOT NULL) NOT VALID;',
      '12_validate.sql': 'ALTER TABLE lint_users VALIDATE CONSTRAINT lint_users_email_nn;',
    });
    const args = ['up', '--database-url', db.url, '--migrations', dir];
    expect((await runCli(args)).code).toBe(0);
    await writeFile(
      join(dir, '13_not_null.contract.sql'),
      'ALTER TABLE lint_users ALTER COLUMN email SET NOT NULL;\nALTER TABLE lint_users ADD COLUMN nickname varchar(30);\n',
    );
    // WHEN the contract runs
    const contract = await runCli([...args, '--phase', 'contract']);
    // THEN the SET NOT NULL is safe thanks to the applied, validated CHECK; the varchar is only a warning
    expect(contract.stderr).not.toMatch(/setting-not-null/);
    expect(contract.stderr).toMatch(/warning: lint: .*13_not_null\.contract\.sql:2:\d+ prefer-text-field/);
    expect(contract.code).toBe(0);
    const rows = await applied();
    expect(rows.find((r) => r.version === '13')?.lint_override).toBeNull();
  });

  it('a statement marked -- zerodown:ignore with a reason does not block', async () => {
    const dir = await migrationsDir({
      '20_seed.sql':
        "CREATE TABLE lint_flags (key text PRIMARY KEY, enabled boolean);\nINSERT INTO lint_flags VALUES ('a', false);",
      '21_flip.sql':
        '-- zerodown:ignore bulk-update-in-schema-migration lint_flags holds a handful of rows by design\nUPDATE lint_flags SET enabled = true;',
    });
    const result = await runCli(['up', '--database-url', db.url, '--migrations', dir]);
    expect(result.stderr).not.toMatch(/lint/);
    expect(result.code).toBe(0);
  });
});
