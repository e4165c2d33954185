import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationLoadError } from '../../core/errors.ts';
import { compareVersions, parseFileName } from '../../core/migrations/filename.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { SchemaMigration } from '../../core/migrations/types.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zerodown-loader-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function write(files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

describe('file names', () => {
  it('reads version, name and phase; no phase means expand; Flyway names load', () => {
    expect(parseFileName('20240101_add_x.contract.sql')).toEqual({
      version: '20240101',
      name: 'add_x',
      phase: 'contract',
      extension: 'sql',
    });
    expect(parseFileName('3_add-x.js').phase).toBe('expand');
    expect(parseFileName('V1_2__add_x.sql')).toMatchObject({
      version: '1_2',
      name: 'add_x',
      phase: 'expand',
    });
  });

  it('refuses an unknown phase, naming the file', () => {
    expect(() => parseFileName('1_x.cleanup.sql', 'migrations/1_x.cleanup.sql')).toThrow(
      /migrations\/1_x\.cleanup\.sql: unknown phase "cleanup"/,
    );
  });

  it('orders versions numerically', () => {
    expect(compareVersions('9', '10')).toBeLessThan(0);
    expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0);
  });
});

describe('loadMigrations', () => {
  it('orders by version, then phase (expand < backfill < contract), then name', async () => {
    // GIVEN files written in an order unlike the run order
    await write({
      '2_b.contract.sql': 'SELECT 1;',
      '2_b.sql': 'SELECT 1;',
      '2_b.backfill.json': JSON.stringify({ table: 't', set: { b: 'a' } }),
      '10_c.sql': 'SELECT 1;',
      '1_a.sql': 'SELECT 1;',
      'README.md': 'not a migration',
    });
    // WHEN
    const migrations = await loadMigrations(dir);
    // THEN
    expect(migrations.map((m) => `${m.version}.${m.phase}`)).toEqual([
      '1.expand',
      '2.expand',
      '2.backfill',
      '2.contract',
      '10.expand',
    ]);
    expect(migrations[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses duplicate versions within a phase, naming both files', async () => {
    await write({ '5_one.sql': 'SELECT 1;', '5_two.sql': 'SELECT 2;' });
    await expect(loadMigrations(dir)).rejects.toThrow(
      /5_two\.sql: duplicate version 5 in phase expand: .*5_one\.sql/,
    );
  });

  it('names the file and line of a syntax error', async () => {
    await write({
      '1_bad.sql':
        '-- migrate:up\nCREATE TABLE t (id int);\n\nALTER TABLE t ADD COLUMN;\n-- migrate:down\nDROP TABLE t;\n',
    });
    const error = await loadMigrations(dir).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationLoadError);
    expect(error.message).toMatch(/1_bad\.sql:4: syntax error/);
    expect(error.line).toBe(4);
  });

  it('reads dbmate sections, transaction:false, and infers no transaction for CONCURRENTLY', async () => {
    await write({
      '1_a.sql': '-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n',
      '2_b.sql': '-- migrate:up transaction:false\nUPDATE t SET id = 1;\n-- migrate:down\n',
      '3_c.sql':
        '-- migrate:up\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n-- migrate:down\nDROP INDEX CONCURRENTLY t_id;\n',
      '4_d.sql': 'CREATE TABLE u (id int);',
      '5_e.sql': '-- migrate:up\nDROP TABLE u;\n-- migrate:down irreversible: the data is gone\n',
    });
    const [a, b, c, d, e] = (await loadMigrations(dir)) as SchemaMigration[];
    expect(a!.up).toMatchObject({
      transaction: true,
      statements: [{ sql: 'CREATE TABLE t (id int)', line: 2 }],
    });
    expect(a!.down).toMatchObject({
      kind: 'script',
      script: { statements: [{ sql: 'DROP TABLE t', line: 4 }] },
    });
    expect(b!.up.transaction).toBe(false);
    expect(b!.down).toMatchObject({ kind: 'script', script: { statements: [] } });
    expect(c!.up.transaction).toBe(false);
    expect(c!.up.noTransactionReason).toMatch(/line 2 cannot run inside a transaction/);
    expect(c!.down).toMatchObject({ kind: 'script', script: { transaction: false } });
    expect(d!.down).toEqual({ kind: 'irreversible', reason: 'the file has no "-- migrate:down" section' });
    expect(e!.down).toEqual({ kind: 'irreversible', reason: 'the data is gone' });
  });

  it('refuses an invalid backfill spec, naming the file and the field', async () => {
    await write({ '1_fill.backfill.json': JSON.stringify({ table: 'users', set: {}, batchSize: -1 }) });
    await expect(loadMigrations(dir)).rejects.toThrow(
      /1_fill\.backfill\.json: invalid backfill spec:[\s\S]*set[\s\S]*batchSize/,
    );
  });

  it('refuses a backfill spec that is not JSON', async () => {
    await write({ '1_fill.backfill.json': '{ table: users' });
    await expect(loadMigrations(dir)).rejects.toThrow(/1_fill\.backfill\.json: invalid JSON/);
  });

  it('compiles node-pg-migrate modules with the pgm DSL, CommonJS and ESM and TypeScript', async () => {
    await write({
      '1_cjs.js': `exports.up = (pgm) => { pgm.addColumn('users', { nickname: { type: 'text' } }); pgm.createIndex('users', 'nickname', { concurrently: true }); };`,
      '2_esm.mjs': `export const up = (pgm) => { pgm.createTable('things', { id: 'id', name: { type: 'text', notNull: true } }); };\nexport const down = false;`,
      '3_ts.ts': `import type { MigrationBuilder } from 'node-pg-migrate';\nexport async function up(pgm: MigrationBuilder): Promise<void> { pgm.sql('SELECT 1'); }\nexport async function down(): Promise<void> { throw new Error('data migration: restore from backup'); }`,
    });
    const [cjs, esm, ts] = (await loadMigrations(dir)) as SchemaMigration[];
    expect(cjs!.format).toBe('node-pg-migrate');
    expect(cjs!.up.statements.map((s) => s.sql)).toEqual([
      'ALTER TABLE "users"\n  ADD "nickname" text',
      'CREATE INDEX CONCURRENTLY "users_nickname_index" ON "users" ("nickname")',
    ]);
    // CONCURRENTLY without pgm.noTransaction(): zerodown sees it and runs outside a transaction
    expect(cjs!.up.transaction).toBe(false);
    // no down: node-pg-migrate's automatic reverse of up
    expect(cjs!.down.kind).toBe('script');
    expect(esm!.down).toEqual({ kind: 'irreversible', reason: 'the module exports down = false' });
    expect(ts!.down).toEqual({ kind: 'irreversible', reason: 'data migration: restore from backup' });
  });

  it('names a module without up', async () => {
    await write({ '1_empty.js': 'exports.down = () => {};' });
    await expect(loadMigrations(dir)).rejects.toThrow(
      /1_empty\.js: a node-pg-migrate module must export an up\(pgm\) function/,
    );
  });
});
