import { describe, expect, it } from 'vitest';
import type { LintPhase, LintRule } from '../../../core/lint/types.ts';
import { lintSql, rulesOf } from './lint-sql.ts';

/** One SQL case for a rule: whether the rule must report it (`unsafe`) or not (`safe`). */
export interface RuleCase {
  readonly sql: string;
  readonly phase?: LintPhase;
  readonly before?: readonly string[];
  /** The message must match this, for unsafe cases. */
  readonly message?: RegExp;
}

/**
 * Registers a rule's tests under its id: its own `examples` (the ones docs/lint-rules.md shows), then
 * a "noncompliance" test for each unsafe case and a "compliance" test for each safe one.
 *
 * @example
 * describeRule(lockTable, { unsafe: [{ sql: 'LOCK TABLE orders;' }], safe: [{ sql: 'LOCK TABLE orders IN ROW EXCLUSIVE MODE;' }] });
 */
export function describeRule(rule: LintRule, cases: { unsafe: RuleCase[]; safe: RuleCase[] }): void {
  describe(rule.id, () => {
    describe('examples', () => ruleExamples(rule));
    ruleCases(rule.id, cases);
  });
}

// The examples are real SQL run through the linter, so the docs cannot show a case the rule misses.
function ruleExamples(rule: LintRule): void {
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
}

function ruleCases(rule: string, cases: { unsafe: RuleCase[]; safe: RuleCase[] }): void {
  it.each(cases.unsafe.map((c) => [c.sql, c] as const))('noncompliance: %s', async (_sql, c) => {
    const findings = (await lintSql(c.sql, { phase: c.phase, before: c.before })).filter(
      (f) => f.rule === rule,
    );
    expect(findings).not.toEqual([]);
    if (c.message) expect(findings.map((f) => f.message).join('\n')).toMatch(c.message);
  });
  it.each(cases.safe.map((c) => [c.sql, c] as const))('compliance: %s', async (_sql, c) => {
    const findings = (await lintSql(c.sql, { phase: c.phase, before: c.before })).filter(
      (f) => f.rule === rule,
    );
    expect(findings).toEqual([]);
  });
}
