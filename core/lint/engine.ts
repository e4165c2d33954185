import { readFileSync } from 'node:fs';
import { parseSync } from 'libpg-query';
import { syntaxErrorText } from '../errors.ts';
import type { BackfillMigration, Migration, SchemaMigration } from '../migrations/types.ts';
import { loadSqlParser, type SqlStatement } from '../sql/statements.ts';
import { bodyOf, withBodies } from './bodies.ts';
import { configIgnore, levelFor } from './config.ts';
import { FILE_FINDINGS } from './file-findings.ts';
import { placeOf, statementPlace } from './location.ts';
import { LINT_RULES } from './rules/index.ts';
import { SchemaTracker } from './schema-tracker.ts';
import { commentsForStatement, type IgnoreComment, readIgnoreComments } from './suppressions.ts';
import type { LintConfig, LintFinding, LintPhase, LintRule, Severity } from './types.ts';

/** Options of every lint entry point. */
export interface LintOptions {
  /** Lint every schema migration as this phase instead of the phase its file name says. */
  readonly phase?: LintPhase;
  /** The project's settings (see `loadLintConfig`). */
  readonly config?: LintConfig;
  /**
   * Report findings only for these migration ids (`<version>.<phase>`); the others are still read, in
   * order, for what they do to the schema (so a CHECK validated by an applied migration counts).
   */
  readonly only?: readonly string[];
  /** The rules to run; every rule by default. */
  readonly rules?: readonly LintRule[];
  /** The PostgreSQL major version to lint for; else the config's `pgVersion`; else a current one. */
  readonly pgVersion?: number;
}

/** A migration with the text of its file (for suppressions and columns), and whether to report on it. */
export interface LintSource {
  readonly migration: Migration;
  readonly text?: string;
  readonly report: boolean;
}

const KNOWN_RULES = new Set(LINT_RULES.map((r) => r.id));

function excerpt(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

function lintBackfill(migration: BackfillMigration, text: string | undefined): LintFinding[] {
  const findings: LintFinding[] = [];
  const expressions = [
    ...Object.entries(migration.spec.set).map(([column, sql]) => [`set.${column}`, sql] as const),
    ...(migration.spec.where ? [['where', migration.spec.where] as const] : []),
  ];
  for (const [field, sql] of expressions) {
    try {
      // parenthesised so that "x; DROP TABLE t" cannot pass as one expression
      parseSync(`SELECT (${sql})`);
    } catch (error) {
      const at = text?.indexOf(JSON.stringify(sql).slice(1, -1)) ?? -1;
      findings.push({
        file: migration.file,
        line: at >= 0 ? (text?.slice(0, at).match(/\n/g)?.length ?? 0) + 1 : 1,
        column: 1,
        rule: FILE_FINDINGS.syntaxError.id,
        severity: 'error',
        message: `backfill ${field} is not a SQL expression: ${(error as Error).message}`,
        hint: 'Write an expression over the row, e.g. "lower(username)", or a condition, e.g. "display_name IS NULL"',
      });
    }
  }
  return findings;
}

interface SchemaLint {
  readonly migration: SchemaMigration;
  readonly phase: LintPhase;
  readonly text: string | undefined;
  readonly report: boolean;
}

/** One section of a migration linted in one phase: the up, or the down in the rollback. */
interface SectionLint {
  readonly migration: SchemaMigration;
  readonly statements: readonly SqlStatement[];
  readonly transaction: boolean;
  readonly phase: LintPhase;
  /** Put before each message: the section when it is not the up. */
  readonly label: string;
  readonly lines: readonly string[] | undefined;
  readonly comments: IgnoreComment[];
  /** Rules that do not apply to this section. */
  readonly skip?: (rule: LintRule) => boolean;
}

// A down restores the names and types the version running during the rollback was written for: a
// rename back is what it needs, and advice on the types it restores was given on the up.
const notForRollback = (rule: LintRule) => /^renaming-|^prefer-/.test(rule.id);

function lintSection(section: SectionLint, tracker: SchemaTracker, options: LintOptions): LintFinding[] {
  const { migration, statements, phase, lines, comments } = section;
  const pgVersion = options.pgVersion ?? options.config?.pgVersion;
  const sqlFile = migration.format === 'sql';
  const findings: LintFinding[] = [];
  const rules = (options.rules ?? LINT_RULES)
    .filter((rule) => !section.skip?.(rule))
    .map((rule) => ({ rule, level: levelFor(rule, phase, options.config) }))
    .filter((r): r is { rule: LintRule; level: Severity } => r.level !== 'off');
  statements.forEach((statement, index) => {
    const context = {
      phase,
      file: migration.file,
      inTransaction: tracker.inTransaction,
      statements,
      index,
      scriptTransaction: section.transaction,
      facts: tracker,
      pgVersion,
    };
    // a module's generated SQL has no line in the file: its comments cover all of its statements
    const ignores: IgnoreComment[] = lines ? commentsForStatement(statement, lines, comments) : comments;
    const start = sqlFile ? statementPlace(statement, lines) : { line: 1, column: 1 };
    const body = bodyOf(statement);
    const label = `${section.label}${body ? `inside the DO block at line ${body.line}: ` : ''}`;
    for (const { rule, level } of rules) {
      for (const violation of rule.check(statement, context)) {
        const suppressing = ignores.filter((c) => c.rules.includes(rule.id));
        if (suppressing.length > 0) {
          for (const c of suppressing) c.used = true;
          continue;
        }
        if (configIgnore(options.config, rule.id, migration.file)) continue;
        const place = sqlFile ? placeOf(statement, start, violation) : start;
        const severity: Severity = violation.downgrade ? 'warning' : level;
        findings.push({
          file: migration.file,
          line: place.line,
          column: place.column,
          rule: rule.id,
          severity,
          message: sqlFile
            ? `${label}${violation.message}`
            : `${label}${violation.message} (generated SQL: ${excerpt(statement.sql)})`,
          hint: violation.hint ?? rule.hint,
          ...(pgVersion ? { pgVersion } : {}),
        });
      }
    }
    tracker.observe(statement.node);
  });
  return findings;
}

function lintSchema(
  { migration, phase, text, report }: SchemaLint,
  tracker: SchemaTracker,
  options: LintOptions,
): LintFinding[] {
  const script = migration.up;
  const up = withBodies(script.statements);
  tracker.beginMigration(script.transaction);
  if (!report) {
    for (const statement of up) tracker.observe(statement.node);
    return [];
  }
  const sqlFile = migration.format === 'sql';
  const lines = sqlFile && text !== undefined ? text.split(/\r?\n/) : undefined;
  const { comments, invalid } =
    text === undefined ? { comments: [], invalid: [] } : readIgnoreComments(text, KNOWN_RULES);
  const findings: LintFinding[] = invalid.map((i) => ({
    file: migration.file,
    line: i.line,
    column: i.column,
    rule: FILE_FINDINGS.invalidIgnore.id,
    severity: 'error' as const,
    message: i.problem,
    hint: '-- zerodown:ignore <rule> <why this statement is safe>',
  }));
  const section = { migration, lines, comments };
  // the down runs in a rollback, after the up, while an application version still serves traffic:
  // linted as expand, on a copy of the schema as the up left it (what the up created is still new)
  findings.push(
    ...lintSection(
      { ...section, statements: up, transaction: script.transaction, phase, label: '' },
      tracker,
      options,
    ),
  );
  if (migration.down.kind === 'irreversible' && migration.down.syntaxError) {
    findings.push({
      file: migration.file,
      line: migration.down.syntaxError.line,
      column: 1,
      rule: FILE_FINDINGS.syntaxError.id,
      severity: 'error',
      message: `down (runs on rollback): ${syntaxErrorText(migration.down.syntaxError.message)}`,
      hint: 'Fix the down section: a rollback through this migration stops here until it parses',
    });
  }
  if (migration.down.kind === 'script') {
    const down = migration.down.script;
    const rollback = tracker.forRollback(down.transaction);
    findings.push(
      ...lintSection(
        {
          ...section,
          statements: withBodies(down.statements),
          transaction: down.transaction,
          phase: 'expand',
          label: 'down (runs on rollback): ',
          skip: notForRollback,
        },
        rollback,
        options,
      ),
    );
  }
  const unused = levelFor(
    { id: FILE_FINDINGS.unusedIgnore.id, severity: { expand: 'warning', contract: 'warning' } },
    phase,
    options.config,
  );
  if (unused !== 'off') {
    for (const c of comments.filter((c) => !c.used)) {
      // a rule switched off for this phase cannot use its comment: that is not stale
      if (
        c.rules.every((id) => levelFor(LINT_RULES.find((r) => r.id === id)!, phase, options.config) === 'off')
      )
        continue;
      findings.push({
        file: migration.file,
        line: c.line,
        column: c.column,
        rule: FILE_FINDINGS.unusedIgnore.id,
        severity: unused,
        message: `zerodown:ignore ${c.rules.join(',')} suppresses nothing${sqlFile ? ' here' : ' in this module'}: remove it, or move it above the statement it is for`,
        hint: 'Delete the comment',
      });
    }
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Lints migrations in order, with their file texts at hand. The lower-level entry point behind
 * `lintMigrations` and `lintPaths`.
 *
 * @example
 * await loadSqlParser();
 * const findings = lintSources(migrations.map((migration) => ({ migration, report: true })));
 */
export function lintSources(sources: readonly LintSource[], options: LintOptions = {}): LintFinding[] {
  const tracker = new SchemaTracker();
  const only = options.only ? new Set(options.only) : undefined;
  const findings: LintFinding[] = [];
  for (const { migration, text, report } of sources) {
    const reported = report && (only === undefined || only.has(migration.id));
    if (migration.kind === 'backfill') {
      if (reported) findings.push(...lintBackfill(migration, text));
      continue;
    }
    const phase = options.phase ?? migration.phase;
    findings.push(...lintSchema({ migration, phase, text, report: reported }, tracker, options));
  }
  return findings;
}

// synchronously, as the loader reads them (core/migrations/scan.ts): a thread-pool hop for each of
// open, stat, read and close costs more than reading a migration
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Lints loaded migrations, in the order given, each in the phase its file name says (or
 * `options.phase`). Loads the parser itself; reads each file again for its `zerodown:ignore` comments.
 *
 * @example
 * const findings = await lintMigrations(await loadMigrations('migrations'));
 * if (hasErrors(findings)) process.exitCode = 1;
 */
export async function lintMigrations(
  migrations: readonly Migration[],
  options: LintOptions = {},
): Promise<LintFinding[]> {
  await loadSqlParser();
  const sources = migrations.map((migration) => ({
    migration,
    text: readText(migration.path),
    report: true,
  }));
  return lintSources(sources, options);
}

/**
 * Whether any finding is an error (what blocks `zerodown up` and the plan step).
 *
 * @example
 * hasErrors([{ severity: 'warning', ... }]); // false
 */
export function hasErrors(findings: readonly LintFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
