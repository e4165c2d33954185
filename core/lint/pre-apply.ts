import { LintFailed } from '../errors.ts';
import type { Log } from '../log.ts';
import type { Migration } from '../migrations/types.ts';
import { hasErrors, lintMigrations } from './engine.ts';
import type { LintConfig, LintFinding } from './types.ts';

/** What the lint before apply found: the findings, and the text to record as `lint_override` when a person overrode errors. */
export interface PreApplyLintResult {
  readonly findings: LintFinding[];
  readonly lintOverride?: string;
}

const where = (f: LintFinding) => `${f.file}:${f.line}:${f.column} ${f.rule}`;

/**
 * Lints the pending migrations before they are applied (the others are read for context). Warnings are
 * logged. Error-level findings throw `LintFailed` listing them, unless `allowLintErrors` gives the reason
 * a person takes responsibility: then the result carries the `lintOverride` to record with the migrations.
 *
 * @example
 * const { lintOverride } = await lintBeforeApply(migrations, { pending: ['3.expand'], log });
 * await applyPending(client, migrations, { phases: ['expand'], executionId, log, lintOverride });
 */
export async function lintBeforeApply(
  migrations: readonly Migration[],
  options: { pending: readonly string[]; config?: LintConfig; allowLintErrors?: string; log: Log },
): Promise<PreApplyLintResult> {
  if (options.pending.length === 0) return { findings: [] };
  const findings = await lintMigrations(migrations, { config: options.config, only: options.pending });
  for (const f of findings.filter((f) => f.severity === 'warning')) {
    options.log.warn(`lint: ${where(f)}: ${f.message}`);
  }
  if (!hasErrors(findings)) return { findings };
  const errors = findings.filter((f) => f.severity === 'error');
  if (options.allowLintErrors === undefined) {
    const list = errors.map(
      (f) => `  ${where(f)}: ${f.message}\n    safe: ${f.hint.split('\n').join('\n          ')}`,
    );
    throw new LintFailed(
      [
        `lint found ${errors.length} error(s) in the pending migrations; nothing was applied:`,
        ...list,
        'Fix them, mark a statement that is safe with "-- zerodown:ignore <rule> <reason>", or take responsibility with --allow-lint-errors "<reason>" (recorded with each migration applied).',
      ].join('\n'),
    );
  }
  for (const f of errors) options.log.warn(`lint error overridden: ${where(f)}: ${f.message}`);
  return {
    findings,
    lintOverride: `${options.allowLintErrors} [overrode: ${errors.map(where).join('; ')}]`,
  };
}
