/**
 * The phase-aware migration linter: PostgreSQL's own parser, one rule per file in `rules/`, findings
 * that name the file, line and safe alternative.
 */
export { CONFIG_FILE, loadLintConfig, loadProjectConfig, type ProjectConfig } from './config.ts';
export { hasErrors, type LintOptions, type LintSource, lintMigrations, lintSources } from './engine.ts';
export { FILE_FINDINGS } from './file-findings.ts';
export { formatFindings, LINT_FORMATS, type LintFormat } from './format.ts';
export { type LintPathsOptions, lintPaths } from './paths.ts';
export { lintBeforeApply, type PreApplyLintResult } from './pre-apply.ts';
export { LINT_RULES } from './rules/index.ts';
export { lintSqlText, sqlTextMigration } from './sql-text.ts';
export type { LintConfig, LintFinding, LintPhase, LintRule, RuleLevel, Severity } from './types.ts';
