import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zerodown-lint-cli-'));
  await writeFile(
    join(dir, '1_users.sql'),
    '-- migrate:up\nALTER TABLE users ADD COLUMN nickname varchar(40);\n',
  );
  await writeFile(join(dir, '2_drop.sql'), '-- migrate:up\nALTER TABLE users DROP COLUMN username;\n');
  await writeFile(join(dir, '3_broken.sql'), 'CREATE TABLE (;\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('zerodown lint (the CLI contract scripts depend on)', () => {
  it('exit 0 on the example migrations (the default path), which lint clean', async () => {
    const result = await runCli(['lint']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/zerodown lint: no findings/);
    expect(result.code).toBe(0);
  });

  it('--format json: one JSON object on stdout, exit 1 with an error-level finding, a parse error as a finding', async () => {
    const result = await runCli(['lint', '--format', 'json', dir]);
    expect(result.code).toBe(1);
    const { findings } = JSON.parse(result.stdout);
    expect(findings.map((f: { rule: string; severity: string }) => [f.rule, f.severity])).toEqual([
      ['prefer-text-field', 'warning'],
      ['dropping-column', 'error'],
      ['syntax-error', 'error'],
    ]);
    expect(findings[2]).toMatchObject({ line: 1, message: 'syntax error at or near "("' });
  });

  it('--phase contract makes the DROP COLUMN right; warnings alone exit 0', async () => {
    const result = await runCli([
      'lint',
      '--phase',
      'contract',
      '--format',
      'github',
      join(dir, '1_users.sql'),
      join(dir, '2_drop.sql'),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^::warning file=.*1_users\.sql,line=2,col=39,title=zerodown prefer-text-field::/,
      ),
    ]);
  });

  it('--pg-version follows the version: a constant default rewrites on 10, not on 15; the text names the version', async () => {
    const file = join(dir, '1_users.sql');
    await writeFile(join(dir, '4_flag.sql'), 'ALTER TABLE users ADD COLUMN flag boolean DEFAULT false;\n');
    const old = await runCli(['lint', '--pg-version', '10', join(dir, '4_flag.sql')]);
    expect(old.code).toBe(1);
    expect(old.stdout).toMatch(
      /error adding-volatile-default\n {2}ADD COLUMN users\.flag with a default on PostgreSQL 10/,
    );
    expect(old.stdout.trimEnd()).toMatch(/\(for PostgreSQL 10\)$/);
    const current = await runCli(['lint', '--pg-version', '15', join(dir, '4_flag.sql'), file]);
    expect(current.code).toBe(0);
    expect(current.stdout.trimEnd()).toMatch(/\(for PostgreSQL 15\)$/);
    const bad = await runCli(['lint', '--pg-version', 'fifteen', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"fifteen" is not a PostgreSQL major version; give one like 15/);
  });

  it('exit 2 on usage errors: an unknown phase or format, a path that does not exist', async () => {
    expect((await runCli(['lint', '--phase', 'backfill'])).code).toBe(2);
    expect((await runCli(['lint', '--format', 'xml'])).code).toBe(2);
    const missing = await runCli(['lint', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope: no such file or directory/);
  });
});
