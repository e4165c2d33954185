import { lintSources } from '../../../core/lint/engine.ts';
import type { LintConfig, LintFinding, LintPhase } from '../../../core/lint/types.ts';
import { parseSqlMigration } from '../../../core/migrations/sql-file.ts';
import type { SchemaMigration } from '../../../core/migrations/types.ts';
import { loadSqlParser } from '../../../core/sql/statements.ts';

/** A schema migration built from SQL text, as the loader would build it from a file. */
export function sqlMigration(version: number, sql: string, phase: LintPhase = 'expand'): SchemaMigration {
  const file = `migrations/${version}_m${phase === 'contract' ? '.contract' : ''}.sql`;
  const { up, down } = parseSqlMigration(file, sql);
  return {
    id: `${version}.${phase}`,
    version: String(version),
    name: 'm',
    phase,
    file,
    path: `/nowhere/${file}`,
    checksum: '',
    kind: 'schema',
    format: 'sql',
    up,
    down,
  };
}

/**
 * Lints `sql` as one migration of `phase`, after the `before` migrations (context only, not reported).
 *
 * @example
 * const findings = await lintSql('CREATE INDEX i ON t (a);');
 */
export async function lintSql(
  sql: string,
  options: { phase?: LintPhase; before?: readonly string[]; config?: LintConfig } = {},
): Promise<LintFinding[]> {
  await loadSqlParser();
  const phase = options.phase ?? 'expand';
  const before = (options.before ?? []).map((text, i) => ({
    migration: sqlMigration(i + 1, text, phase),
    text,
    report: false,
  }));
  const last = { migration: sqlMigration(before.length + 1, sql, phase), text: sql, report: true };
  return lintSources([...before, last], { config: options.config });
}

/** The ids of the rules that found something, sorted, for compact assertions. */
export function rulesOf(findings: readonly LintFinding[], severity?: 'error' | 'warning'): string[] {
  return [...new Set(findings.filter((f) => !severity || f.severity === severity).map((f) => f.rule))].sort();
}
