import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../../core/errors.ts';
import { lintMigrations, lintPaths } from '../../../core/lint/index.ts';
import { loadMigrations } from '../../../core/migrations/load.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zerodown-lint-paths-'));
  await mkdir(join(dir, 'migrations'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function write(files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'migrations', name), text);
}

describe('lintPaths', () => {
  it('reports an unparseable file as an error with the parser message and line, and lints the others', async () => {
    await write({
      '1_ok.sql': '-- migrate:up\nCREATE TABLE t (id bigint);\n',
      '2_broken.sql': '-- migrate:up\nALTER TABLE t\n  ADD COLUMN a text,\n  ADD COLUMN;\n',
      '3_index.sql': 'CREATE INDEX t_a_idx ON t (a);\n',
    });
    const findings = await lintPaths(['migrations'], { cwd: dir });
    expect(findings).toEqual([
      {
        file: 'migrations/2_broken.sql',
        line: 4,
        column: 1,
        rule: 'syntax-error',
        severity: 'error',
        message: 'syntax error at or near ";"',
        hint: expect.any(String),
      },
      // the column of the table the index is on
      expect.objectContaining({
        file: 'migrations/3_index.sql',
        line: 1,
        column: 25,
        rule: 'require-concurrent-index-creation',
      }),
    ]);
  });

  it('reports files the loader refuses: bad names, duplicate versions, invalid backfill specs', async () => {
    await write({
      '1_a.sql': 'SELECT 1;',
      '1_b.sql': 'SELECT 2;',
      '2_x.cleanup.sql': 'SELECT 3;',
      '3_fill.backfill.json': '{ "table": "users" }',
      'README.md': 'not a migration',
    });
    const findings = await lintPaths(['migrations'], { cwd: dir });
    expect(findings.map((f) => [f.file, f.rule])).toEqual([
      ['migrations/1_b.sql', 'invalid-file'],
      ['migrations/3_fill.backfill.json', 'invalid-file'],
      ['migrations/2_x.cleanup.sql', 'invalid-file'],
    ]);
    expect(findings[0]!.message).toMatch(
      /duplicate version 1 in phase expand: migrations\/1_a\.sql has it too/,
    );
    expect(findings[1]!.message).toMatch(/invalid backfill spec/);
    expect(findings[2]!.message).toMatch(/unknown phase "cleanup"/);
  });

  it('checks backfill expressions with the parser, pointing at the line of the expression', async () => {
    await write({
      '1_fill.backfill.json':
        '{\n  "table": "users",\n  "set": { "display_name": "username" },\n  "where": "display_name IS NULL; DROP TABLE users"\n}\n',
    });
    const findings = await lintPaths(['migrations'], { cwd: dir });
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'syntax-error',
        line: 4,
        message: expect.stringMatching(/^backfill where is not a SQL expression: syntax error/),
      }),
    ]);
  });

  it('lints the SQL a node-pg-migrate module generates, at line 1, and honours // zerodown:ignore in it', async () => {
    await write({
      '1_users.js':
        "exports.up = (pgm) => {\n  pgm.addColumn('users', { email: { type: 'text', notNull: true } });\n  pgm.createIndex('users', 'email');\n};\n",
      '2_orders.js':
        "// zerodown:ignore require-concurrent-index-creation orders is created empty by the seed and never large\nexports.up = (pgm) => {\n  pgm.createIndex('orders', 'status');\n};\n",
    });
    const findings = await lintPaths(['migrations'], { cwd: dir });
    // the downs node-pg-migrate derives (dropIndex) are linted too: a rollback would lock the table
    expect(findings.map((f) => [f.file, f.line, f.rule])).toEqual([
      ['migrations/1_users.js', 1, 'adding-required-column'],
      ['migrations/1_users.js', 1, 'require-concurrent-index-creation'],
      ['migrations/1_users.js', 1, 'require-concurrent-index-deletion'],
      ['migrations/2_orders.js', 1, 'require-concurrent-index-deletion'],
    ]);
    expect(findings[1]!.message).toMatch(
      /\(generated SQL: CREATE INDEX "users_email_index" ON "users" \("email"\)\)$/,
    );
  });

  it('a file given alone is linted with its earlier siblings as context', async () => {
    await write({
      '1_check.contract.sql':
        'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;',
      '2_validate.contract.sql': 'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;',
      '3_not_null.contract.sql': 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      '4_later.sql': 'TRUNCATE users;',
    });
    expect(await lintPaths(['migrations/3_not_null.contract.sql'], { cwd: dir })).toEqual([]);
    // without the validation the same statement is reported
    await rm(join(dir, 'migrations', '2_validate.contract.sql'));
    const findings = await lintPaths(['migrations/3_not_null.contract.sql'], { cwd: dir });
    expect(findings.map((f) => [f.file, f.rule])).toEqual([
      ['migrations/3_not_null.contract.sql', 'setting-not-null'],
    ]);
  });

  it('--phase overrides the phase in the file name; a file without a migration name is linted alone', async () => {
    await write({ '1_drop.sql': 'ALTER TABLE users DROP COLUMN username;' });
    await writeFile(join(dir, 'hotfix.sql'), 'ALTER TABLE users DROP COLUMN username;');
    expect(await lintPaths(['migrations'], { cwd: dir, phase: 'contract' })).toEqual([]);
    expect((await lintPaths(['migrations'], { cwd: dir }))[0]).toMatchObject({ rule: 'dropping-column' });
    expect((await lintPaths(['hotfix.sql'], { cwd: dir }))[0]).toMatchObject({
      file: 'hotfix.sql',
      rule: 'dropping-column',
    });
    expect(await lintPaths(['hotfix.sql'], { cwd: dir, phase: 'contract' })).toEqual([]);
  });

  it('a path that does not exist is a usage error', async () => {
    await expect(lintPaths(['nope'], { cwd: dir })).rejects.toBeInstanceOf(InvalidInput);
  });
});

describe('lintMigrations', () => {
  it('reports only the migrations in `only`, with the others read for context', async () => {
    await write({
      '1_create.sql': 'CREATE TABLE t (id int PRIMARY KEY, a text);',
      '2_check.sql': 'ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL);',
      '3_nn.contract.sql': 'ALTER TABLE t ALTER COLUMN a SET NOT NULL;\nCREATE INDEX t_a ON t (a);',
    });
    const migrations = await loadMigrations(join(dir, 'migrations'), { cwd: dir });
    const all = await lintMigrations(migrations);
    expect(all.map((f) => [f.file, f.rule])).toEqual([
      ['migrations/1_create.sql', 'prefer-bigint'],
      ['migrations/2_check.sql', 'constraint-missing-not-valid'],
      ['migrations/3_nn.contract.sql', 'require-concurrent-index-creation'],
    ]);
    const pending = await lintMigrations(migrations, { only: ['3.contract'] });
    expect(pending).toEqual([
      expect.objectContaining({
        file: 'migrations/3_nn.contract.sql',
        line: 2,
        rule: 'require-concurrent-index-creation',
      }),
    ]);
  });

  it('points at the line and column of the part at fault in a multi-line statement', async () => {
    await write({
      '1_add.sql':
        '-- migrate:up\nALTER TABLE orders\n  ADD COLUMN note text,\n    ADD COLUMN token uuid DEFAULT gen_random_uuid();\n',
    });
    const [finding] = await lintMigrations(await loadMigrations(join(dir, 'migrations'), { cwd: dir }));
    expect(finding).toMatchObject({ rule: 'adding-volatile-default', line: 4, column: 22 });
  });
});
