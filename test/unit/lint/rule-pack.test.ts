import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LINT_RULES } from '../../../core/lint/rules/index.ts';

describe('the rule pack', () => {
  it('has unique ids in kebab case, a why, a hint, and a level for both phases', () => {
    const ids = LINT_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of LINT_RULES) {
      expect(rule.id).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(rule.why.length).toBeGreaterThan(60);
      expect(['error', 'warning', 'off']).toContain(rule.severity.expand);
      expect(['error', 'warning', 'off']).toContain(rule.severity.contract);
    }
  });

  it('has one test file per rule, rules/<rule-id>.test.ts, which runs its examples and its cases', async () => {
    const files = await readdir(fileURLToPath(new URL('./rules', import.meta.url)));
    expect(files.sort()).toEqual(LINT_RULES.map((r) => `${r.id}.test.ts`).sort());
  });
});
