import { describe, expect, it } from 'vitest';
import { LINT_RULES } from '../../../core/lint/rules/index.ts';
import { lintSql, rulesOf } from './lint-sql.ts';

// Every rule's own examples (the ones docs/lint-rules.md shows) are real SQL run through the linter.
describe.each(LINT_RULES.map((rule) => [rule.id, rule] as const))('%s examples', (_id, rule) => {
  it('noncompliance: the unsafe example is reported at the rule level of its phase', async () => {
    const { sql, phase, before } = rule.examples.unsafe;
    const findings = (await lintSql(sql, { phase, before })).filter((f) => f.rule === rule.id);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]!.severity).toBe(rule.severity[phase]);
    expect(findings[0]!.message.length).toBeGreaterThan(20);
    expect(findings[0]!.hint.length).toBeGreaterThan(10);
  });

  it('compliance: the safe example has no error at all and no finding of this rule', async () => {
    const { sql, phase, before } = rule.examples.safe;
    const findings = await lintSql(sql, { phase, before });
    expect(rulesOf(findings)).not.toContain(rule.id);
    expect(rulesOf(findings, 'error')).toEqual([]);
  });
});

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
});
