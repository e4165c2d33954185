import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../../core/errors.ts';
import { loadLintConfig } from '../../../core/lint/config.ts';
import { lintSql } from './lint-sql.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zerodown-lint-config-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const writeConfig = (value: unknown) =>
  writeFile(join(dir, 'zerodown.config.json'), typeof value === 'string' ? value : JSON.stringify(value));

describe('zerodown.config.json "lint" section', () => {
  it('is empty when there is no file or no lint section', async () => {
    expect(await loadLintConfig(dir)).toEqual({});
    await writeConfig({ $schema: './zerodown.schema.json' });
    expect(await loadLintConfig(dir)).toEqual({});
  });

  it('sets rule levels for both phases or per phase, and ignores findings by file glob with a reason', async () => {
    // GIVEN a project that turns one rule off, makes another a warning in expand only, and ignores old files
    await writeConfig({
      lint: {
        rules: { 'prefer-text-field': 'off', 'dropping-column': { expand: 'warning' } },
        ignore: [{ rule: '*', files: 'migrations/1_*.sql', reason: 'applied long before zerodown' }],
      },
    });
    const config = await loadLintConfig(dir);
    // WHEN migrations are linted with it
    const varchar = await lintSql('ALTER TABLE t ADD COLUMN a varchar(5);', {
      before: ['SELECT 1;'],
      config,
    });
    const drop = await lintSql('ALTER TABLE t DROP COLUMN a;', { before: ['SELECT 1;'], config });
    const old = await lintSql('TRUNCATE t;', { config });
    // THEN the settings apply
    expect(varchar).toEqual([]);
    expect(drop).toEqual([expect.objectContaining({ rule: 'dropping-column', severity: 'warning' })]);
    expect(old).toEqual([]);
    const contract = await lintSql('ALTER TABLE t ADD COLUMN a text NOT NULL;', {
      phase: 'contract',
      before: ['SELECT 1;'],
      config,
    });
    expect(contract[0]).toMatchObject({ rule: 'adding-required-column', severity: 'error' });
  });

  it('refuses unknown rules, bad levels, ignores without a reason and broken JSON, naming the field', async () => {
    await writeConfig({ lint: { rules: { 'no-such-rule': 'off' } } });
    await expect(loadLintConfig(dir)).rejects.toThrow(
      /zerodown\.config\.json: lint\.rules\.no-such-rule: unknown rule "no-such-rule"/,
    );
    await writeConfig({ lint: { rules: { 'prefer-jsonb': 'fatal' } } });
    await expect(loadLintConfig(dir)).rejects.toThrow(/lint\.rules\.prefer-jsonb/);
    await writeConfig({ lint: { ignore: [{ rule: 'truncating-table', files: '*.sql', reason: ' ' }] } });
    await expect(loadLintConfig(dir)).rejects.toThrow(/lint\.ignore\.0\.reason: say why/);
    await writeConfig('{ "lint": ');
    await expect(loadLintConfig(dir)).rejects.toBeInstanceOf(InvalidInput);
  });
});
