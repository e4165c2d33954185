import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../core/log.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { applyPending } from '../../core/runner/apply.ts';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

const db = useFreshDatabase();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OFFLINE = { DATABASE_URL: '' };

const ITEMS = {
  '1_label.sql':
    '-- migrate:up\nALTER TABLE items ADD COLUMN label text;\n-- migrate:down\nALTER TABLE items DROP COLUMN label;\n',
  '1_label.backfill.json': JSON.stringify({ table: 'items', set: { label: 'name' }, batchSize: 500 }),
  '2_label_check.contract.sql':
    '-- migrate:up\nALTER TABLE items ADD CONSTRAINT items_label_not_null CHECK (label IS NOT NULL) NOT VALID;\n',
  '3_label_validate.contract.sql':
    '-- migrate:up\n\nALTER TABLE items VALIDATE CONSTRAINT items_label_not_null;\n',
};

describe('zerodown plan', () => {
  it('the README shows what `plan --format markdown` prints for the example migrations', async () => {
    // GIVEN the README's example block
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const shown = /<!-- plan-example -->\n````markdown\n([\s\S]*?)\n````\n<!-- \/plan-example -->/.exec(
      readme,
    );
    expect(shown, 'README has a plan-example block').not.toBeNull();
    // WHEN the command runs from the files alone
    const result = await runCli(['plan', '--release', 'v42', '--format', 'markdown'], OFFLINE, ROOT);
    // THEN it prints exactly that, and exits 0 (the examples lint clean)
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${shown![1]}\n`);
  });

  it('offline: every statement with its lock and effect, the phases and the gate, in text and JSON', async () => {
    const dir = await migrationsDir(ITEMS);
    // WHEN planned as text
    const text = await runCli(['plan', '--migrations', dir], OFFLINE);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('From the files alone');
    expect(text.stdout).toMatch(
      /line 2: ACCESS EXCLUSIVE: ALTER TABLE items ADD CONSTRAINT items_label_not_null/,
    );
    expect(text.stdout).toMatch(
      /line 3: SHARE UPDATE EXCLUSIVE, scans the table: ALTER TABLE items VALIDATE/,
    );
    expect(text.stdout).toContain('gate beforeContract');
    // WHEN planned as JSON, with the gate after expand and without the one before contract
    const json = await runCli(
      ['plan', '--migrations', dir, '--format', 'json', '--gate-after-expand', '--no-gate-before-contract'],
      OFFLINE,
    );
    const report = JSON.parse(json.stdout);
    // THEN each phase lists its migrations, the gates are as asked, nothing came from a database
    expect(report).toMatchObject({ ok: true, source: 'files', applied: 0, tables: [], lintFailed: false });
    expect(report.gates).toEqual([{ gate: 'afterExpand', after: 'expand' }]);
    expect(report.phases.expand.map((m: { id: string }) => m.id)).toEqual(['1.expand']);
    expect(report.phases.backfill[0].backfill).toEqual({ table: 'items', batchSize: 500, sync: false });
    expect(report.phases.contract.flatMap((m: { statements: unknown[] }) => m.statements)).toMatchObject([
      { line: 2, lock: 'ACCESS EXCLUSIVE', effect: 'none', tables: ['items'] },
      { line: 3, lock: 'SHARE UPDATE EXCLUSIVE', effect: 'scan', tables: ['items'] },
    ]);
  });

  it('exits 1 on an error-level lint finding, and still prints the plan with the finding', async () => {
    const dir = await migrationsDir({ '1_index.sql': 'CREATE INDEX items_name ON items (name);\n' });
    const result = await runCli(['plan', '--migrations', dir, '--format', 'markdown'], OFFLINE);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(':x: lint errors');
    expect(result.stdout).toMatch(
      /\| `CREATE INDEX items_name ON items \(name\)` \| SHARE \| writes \(reads go on\) \| scan \|/,
    );
    expect(result.stdout).toMatch(/\*\*error\*\* `require-concurrent-index-creation`/);
  });

  it('with a database: read-only, only what is pending, table sizes, row estimates and the backfill time', async () => {
    // GIVEN a table of 20,000 rows, analyzed
    await db.client.query(
      "CREATE TABLE items (id bigint PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20000) g; ANALYZE items",
    );
    const dir = await migrationsDir(ITEMS);
    // WHEN planned before zerodown ever ran there
    const first = await runCli(['plan', '--migrations', dir, '--format', 'json', '--database-url', db.url]);
    expect(first.code).toBe(0);
    // THEN it wrote nothing: not even the state schema
    const schema = await db.client.query("SELECT 1 FROM pg_namespace WHERE nspname = 'zerodown'");
    expect(schema.rowCount).toBe(0);
    expect(JSON.parse(first.stdout).phases.expand).toHaveLength(1);

    // GIVEN the expand applied
    const migrations = await loadMigrations(dir);
    await applyPending(db.client, migrations, { phases: ['expand'], executionId: 'p1', log: silentLog });
    // WHEN planned again with a configured backfill rate
    const result = await runCli([
      'plan',
      '--migrations',
      dir,
      '--format',
      'json',
      '--backfill-rate',
      '1000',
      '--database-url',
      db.url,
    ]);
    const report = JSON.parse(result.stdout);
    // THEN the applied expand is gone, the table is measured, the backfill estimated from its rows
    expect(report).toMatchObject({
      source: 'database',
      applied: 1,
      backfillRate: { rowsPerSecond: 1000, source: 'configured' },
    });
    expect(report.phases.expand).toEqual([]);
    expect(report.tables).toHaveLength(1);
    expect(report.tables[0]).toMatchObject({ name: 'items', exists: true, rowEstimate: 20000 });
    expect(report.tables[0].totalBytes).toBeGreaterThan(8192);
    expect(report.phases.backfill[0].backfill.estimatedSeconds).toBe(20);
    // AND the markdown names the table and the estimate
    const markdown = await runCli([
      'plan',
      '--migrations',
      dir,
      '--format',
      'markdown',
      '--backfill-rate',
      '1000',
      '--database-url',
      db.url,
    ]);
    expect(markdown.stdout).toContain('about 20 s');
    expect(markdown.stdout).toMatch(/\| `items` \| [\d.]+ (kB|MB) \| 20000 \|/);
  });

  it('with a database, estimates a backfill from the rate of the backfills it finished', async () => {
    // GIVEN the backfill of items done here (20,000 rows)
    const dir = await migrationsDir(ITEMS);
    const done = await runCli(['backfill', '--migrations', dir, '--database-url', db.url]);
    expect(done.code).toBe(0);
    // AND a new backfill of the same table
    await writeFile(
      join(dir, '4_code.sql'),
      '-- migrate:up\nALTER TABLE items ADD COLUMN code text;\n-- migrate:down\nALTER TABLE items DROP COLUMN code;\n',
    );
    await writeFile(
      join(dir, '4_code.backfill.json'),
      JSON.stringify({ table: 'items', set: { code: 'upper(name)' } }),
    );
    // WHEN planned without --backfill-rate
    const report = JSON.parse(
      (await runCli(['plan', '--migrations', dir, '--format', 'json', '--database-url', db.url])).stdout,
    );
    // THEN the rate is the measured one, and the estimate follows from it
    const { rowsDone, seconds } = (
      await db.client.query(
        'SELECT sum(rows_done)::int AS "rowsDone", sum(extract(epoch FROM finished_at - started_at))::float8 AS seconds FROM zerodown.backfills WHERE status = \'done\'',
      )
    ).rows[0];
    expect(rowsDone).toBe(20000);
    expect(report.backfillRate).toEqual({
      rowsPerSecond: Math.round(rowsDone / seconds),
      source: 'measured',
    });
    const pending = report.phases.backfill.map(
      (m: { id: string; backfill: { estimatedSeconds: number } }) => m,
    );
    expect(pending.map((m: { id: string }) => m.id)).toEqual(['4.backfill']);
    expect(pending[0].backfill.estimatedSeconds).toBe(Math.ceil(20000 / report.backfillRate.rowsPerSecond));
  });

  it('with a database, refuses drift as up does, naming the file', async () => {
    const dir = await migrationsDir({
      ...ITEMS,
      '1_label.sql': '-- migrate:up\nALTER TABLE items ADD COLUMN label2 text;\n',
    });
    const result = await runCli(['plan', '--migrations', dir, '--database-url', db.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/changed since it was applied: \S*1_label\.sql/);
  });
});
