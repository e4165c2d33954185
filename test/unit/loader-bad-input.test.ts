import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInput, MigrationLoadError } from '../../core/errors.ts';
import { loadLintConfig } from '../../core/lint/config.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { assertInOrder, assertKnownVersion } from '../../core/migrations/pending.ts';
import type { SchemaMigration } from '../../core/migrations/types.ts';
import type { AppliedMigration } from '../../core/state/records.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zerodown-bad-input-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function write(files: Record<string, string | Buffer>) {
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
}

async function loadError(): Promise<MigrationLoadError> {
  const error = await loadMigrations(dir).catch((e) => e);
  expect(error).toBeInstanceOf(MigrationLoadError);
  return error;
}

function applied(version: string, phase: 'expand' | 'contract' = 'expand'): AppliedMigration {
  return {
    rowId: version,
    id: `${version}.${phase}`,
    version,
    name: 'x',
    phase,
    file: `${version}_x.sql`,
    checksum: '',
    appliedAt: new Date(),
    durationMs: 1,
    executionId: 'e',
  };
}

describe('files that would load wrong without a word', () => {
  it('refuses a Latin-1 file, naming the line, instead of storing U+FFFD for é', async () => {
    await write({
      '1_x.sql': Buffer.concat([
        Buffer.from("CREATE TABLE t (id int);\nCOMMENT ON TABLE t IS 'caf"),
        Buffer.from([0xe9]),
        Buffer.from("';\n"),
      ]),
    });
    const error = await loadError();
    expect(error.message).toMatch(/1_x\.sql.*not valid UTF-8 \(byte 0xe9 at offset 51\).*iconv/);
    expect(error.line).toBe(2);
  });

  it('refuses a file with a NUL byte, which PostgreSQL would stop reading at', async () => {
    await write({ '1_x.sql': Buffer.from('CREATE TABLE t (id int);\n\0DROP TABLE t;\n') });
    const error = await loadError();
    expect(error.message).toMatch(/NUL byte at offset 25.*save it as UTF-8/);
    expect(error.line).toBe(2);
  });

  it('refuses an upper-case .SQL file instead of skipping it', async () => {
    await write({ '1_x.SQL': 'CREATE TABLE t (id int);' });
    expect((await loadError()).message).toMatch(/1_x\.SQL.*not lower case.*"\.sql"/);
  });

  it('loads dbmate-style .sql.sql files as .sql', async () => {
    await write({ '1_x.sql.sql': 'CREATE TABLE t (id int);' });
    const [migration] = await loadMigrations(dir);
    expect(migration).toMatchObject({ version: '1', name: 'x', phase: 'expand' });
  });

  it('takes an indented "-- migrate:down" as a comment, as dbmate does', async () => {
    await write({
      '1_x.sql':
        '-- migrate:up\nCREATE TABLE t (id int);\n    -- migrate:down\nCREATE TABLE u (id int);\n-- migrate:down\nDROP TABLE t;\n',
    });
    const [migration] = (await loadMigrations(dir)) as SchemaMigration[];
    expect(migration!.up.statements.map((s) => s.sql)).toEqual([
      'CREATE TABLE t (id int)',
      expect.stringContaining('CREATE TABLE u (id int)'),
    ]);
  });
});

describe('versions', () => {
  it('refuses an expand migration older than an applied one, unless out of order is allowed', async () => {
    await write({ '1_a.sql': 'SELECT 1;', '2_b.sql': 'SELECT 1;', '3_c.sql': 'SELECT 1;' });
    const migrations = await loadMigrations(dir);
    const history = [applied('1'), applied('3')];
    expect(() => assertInOrder(migrations, history)).toThrow(
      /2_b\.sql: is older than 3_x\.sql, which is applied.*--out-of-order/,
    );
    expect(() => assertInOrder(migrations, history, { outOfOrder: true })).not.toThrow();
    // a contract behind an applied contract is how held-back contracts finish: not refused
    await write({ '4_d.contract.sql': 'SELECT 1;', '5_e.contract.sql': 'SELECT 1;' });
    const withContracts = await loadMigrations(dir);
    expect(() =>
      assertInOrder(withContracts, [applied('1'), applied('2'), applied('3'), applied('5', 'contract')]),
    ).not.toThrow();
  });

  it('refuses a --to that names no migration', async () => {
    await write({ '10_a.sql': 'SELECT 1;', '20_b.sql': 'SELECT 1;' });
    const migrations = await loadMigrations(dir);
    expect(() => assertKnownVersion(migrations, '15', '--to')).toThrow(InvalidInput);
    expect(() => assertKnownVersion(migrations, '15', '--to')).toThrow(
      /--to 15: no migration has that version \(versions here: 10 to 20\)/,
    );
    expect(() => assertKnownVersion(migrations, '20', '--to')).not.toThrow();
    expect(() => assertKnownVersion(migrations, '0', '--to', ['0'])).not.toThrow();
  });
});

describe('zerodown.config.json', () => {
  it('refuses a misspelt top-level key instead of ignoring it', async () => {
    await writeFile(join(dir, 'zerodown.config.json'), JSON.stringify({ lnt: { rules: {} } }));
    await expect(loadLintConfig(dir)).rejects.toThrow(
      /zerodown\.config\.json: unknown key "lnt"; the file holds "lint"/,
    );
    await writeFile(join(dir, 'zerodown.config.json'), '[]');
    await expect(loadLintConfig(dir)).rejects.toThrow(/must be a JSON object/);
  });
});
