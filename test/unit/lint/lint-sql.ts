import { lintSqlText } from '../../../core/lint/sql-text.ts';
import type { LintFinding } from '../../../core/lint/types.ts';

/** Lints `sql` as one migration (see `lintSqlText`): `before` migrations give context only. */
export const lintSql = lintSqlText;

/** The ids of the rules that found something, sorted, for compact assertions. */
export function rulesOf(findings: readonly LintFinding[], severity?: 'error' | 'warning'): string[] {
  return [...new Set(findings.filter((f) => !severity || f.severity === severity).map((f) => f.rule))].sort();
}

/** The severities of one rule's findings on `sql` linted as one migration, in order. */
export async function severitiesOf(
  rule: string,
  sql: string,
  options: { phase?: 'expand' | 'contract'; before?: readonly string[] } = {},
): Promise<string[]> {
  return (await lintSqlText(sql, options)).filter((f) => f.rule === rule).map((f) => f.severity);
}
