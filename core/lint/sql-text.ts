import { createHash } from 'node:crypto';
import { parseSqlMigration } from '../migrations/sql-file.ts';
import type { SchemaMigration } from '../migrations/types.ts';
import { loadSqlParser } from '../sql/statements.ts';
import { lintSources } from './engine.ts';
import type { LintConfig, LintFinding, LintPhase } from './types.ts';

/**
 * A schema migration built from SQL text (dbmate sections or plain SQL), as the loader builds one from
 * `migrations/<version>_<name>[.contract].sql`. The parser must be loaded.
 *
 * @example
 * await loadSqlParser();
 * const migration = sqlTextMigration(3, 'DROP INDEX i;', 'contract');
 */
export function sqlTextMigration(version: number, sql: string, phase: LintPhase = 'expand'): SchemaMigration {
  const file = `migrations/${version}_example${phase === 'contract' ? '.contract' : ''}.sql`;
  const { up, down } = parseSqlMigration(file, sql);
  return {
    id: `${version}.${phase}`,
    version: String(version),
    name: 'example',
    phase,
    file,
    path: file,
    checksum: createHash('sha256').update(sql).digest('hex'),
    kind: 'schema',
    format: 'sql',
    up,
    down,
  };
}

/**
 * Lints SQL text as one migration of `phase`, after the `before` migrations (read for context, not
 * reported). For examples, tests and editors; files go through `lintPaths`.
 *
 * @example
 * const findings = await lintSqlText('ALTER TABLE users DROP COLUMN username;', { phase: 'expand' });
 */
export async function lintSqlText(
  sql: string,
  options: { phase?: LintPhase; before?: readonly string[]; config?: LintConfig; pgVersion?: number } = {},
): Promise<LintFinding[]> {
  await loadSqlParser();
  const phase = options.phase ?? 'expand';
  const before = (options.before ?? []).map((text, i) => ({
    migration: sqlTextMigration(i + 1, text, phase),
    text,
    report: false,
  }));
  const last = { migration: sqlTextMigration(before.length + 1, sql, phase), text: sql, report: true };
  return lintSources([...before, last], { config: options.config, pgVersion: options.pgVersion });
}
