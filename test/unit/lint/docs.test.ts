import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderLintRulesDoc } from '../../../core/lint/docs.ts';
import { LINT_RULES } from '../../../core/lint/rules/index.ts';

describe('docs/lint-rules.md', () => {
  it('is what `npm run docs:lint` generates from the rule files (regenerate it when a rule changes)', async () => {
    const onDisk = await readFile(new URL('../../../docs/lint-rules.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(await renderLintRulesDoc());
  });

  it('shows every rule with its unsafe example, the finding it produces, and a safe example', async () => {
    const doc = await renderLintRulesDoc();
    for (const rule of LINT_RULES) {
      const section = doc.slice(doc.indexOf(`## ${rule.id}\n`));
      expect(section, rule.id).toMatch(/\*\*Unsafe\*\* \((expand|contract)\):/);
      expect(section, rule.id).toContain(`\`${rule.id}\`: `);
      expect(section, rule.id).toMatch(/\*\*Safe\*\* \((expand|contract)\):/);
    }
  });
});
