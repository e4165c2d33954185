import { expect, it } from 'vitest';
import type { LintPhase } from '../../../core/lint/types.ts';
import { lintSql } from './lint-sql.ts';

/** One SQL case for a rule: whether the rule must report it (`unsafe`) or not (`safe`). */
export interface RuleCase {
  readonly sql: string;
  readonly phase?: LintPhase;
  readonly before?: readonly string[];
  /** The message must match this, for unsafe cases. */
  readonly message?: RegExp;
}

/** Registers "noncompliance" and "compliance" tests for a rule from its cases. */
export function ruleCases(rule: string, cases: { unsafe: RuleCase[]; safe: RuleCase[] }): void {
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
