import { parseSync } from 'libpg-query';
import { lintSqlText } from '../../lint/sql-text.ts';
import type { LintFinding } from '../../lint/types.ts';
import { parseSqlMigration } from '../../migrations/sql-file.ts';
import { loadSqlParser } from '../../sql/statements.ts';
import { recipeFiles } from '../index.ts';
import { sqlMigration } from '../migration-text.ts';
import type { RecipeFile } from '../types.ts';
import { inverseOf, type Piece, splitUnsafe } from './classify.ts';

/** What became of one statement (or one command of an ALTER TABLE) of the file. */
export interface SplitOutcome {
  /** 1-based line of the statement in the file. */
  readonly line: number;
  /** The statement, or the command, on one line. */
  readonly sql: string;
  /** `recipe:<kind>`, `index` (built CONCURRENTLY), `kept` (safe as written) or `not split`. */
  readonly outcome: string;
  /** Why it could not be split, for `not split`. */
  readonly reason?: string;
}

export interface SplitResult {
  readonly files: RecipeFile[];
  readonly outcomes: SplitOutcome[];
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

function errorsByStatement(
  findings: readonly LintFinding[],
  lines: readonly number[],
): Map<number, LintFinding[]> {
  const byStatement = new Map<number, LintFinding[]>();
  for (const finding of findings.filter((f) => f.severity === 'error')) {
    const index = lines.findLastIndex((line) => line <= finding.line);
    byStatement.set(index, [...(byStatement.get(index) ?? []), finding]);
  }
  return byStatement;
}

const reasonOf = (findings: readonly LintFinding[]) =>
  findings.map((f) => `${f.rule}: ${f.message}`).join('; ');

/** A command kept apart from its ALTER TABLE is re-linted alone: safe, it is kept; unsafe, not split. */
async function settle(piece: Piece): Promise<Piece> {
  if (piece.kind !== 'unsplit') return piece;
  const errors = (await lintSqlText(piece.sql)).filter((f) => f.severity === 'error');
  if (errors.length > 0) return { ...piece, reason: `${piece.reason.split(';')[0]}; ${reasonOf(errors)}` };
  return { kind: 'keep', sql: piece.sql, down: inverseOf(parseSync(piece.sql).stmts?.[0]?.stmt ?? {}) };
}

/** Kept statements, in order, as one expand migration; its down when every statement has a known inverse. */
function keptMigration(kept: { sql: string; down?: string; note?: string }[], source: string): string {
  const missing = kept.find((k) => k.down === undefined);
  return sqlMigration({
    comment: `Expand: statements of ${source} that are safe as written${kept.some((k) => k.note) ? ', and those zerodown split could not make safe (see the notes)' : ''}.`,
    up: kept.map((k) => (k.note ? `-- zerodown split: NOT SPLIT: ${k.note}\n${k.sql}` : k.sql)),
    down: missing
      ? {
          irreversible: `zerodown split knows no down for: ${oneLine(missing.sql).slice(0, 120)}; write this down by hand`,
        }
      : kept.map((k) => k.down!).reverse(),
  });
}

/**
 * Splits a migration written the unsafe way (as an ORM writes it) into recipe files: each statement the
 * linter finds unsafe in expand and that has a recipe becomes that recipe's files; a non-concurrent
 * CREATE INDEX is built CONCURRENTLY in a migration of its own; what is safe stays as written in expand
 * migrations, in the file's order; what is unsafe and has no recipe stays too, under a note, and its
 * outcome is `not split` (lint then reports it). Steps follow the file's order.
 *
 * @example
 * const { files, outcomes } = await splitMigration('prisma/migrations/1_x/migration.sql', text);
 */
export async function splitMigration(file: string, text: string): Promise<SplitResult> {
  await loadSqlParser();
  const { up } = parseSqlMigration(file, text);
  const statements = up.statements;
  const errors = errorsByStatement(
    await lintSqlText(text, { phase: 'expand' }),
    statements.map((s) => s.line),
  );
  const files: RecipeFile[] = [];
  const outcomes: SplitOutcome[] = [];
  let step = 0;
  let kept: { sql: string; down?: string; note?: string }[] = [];
  // an index built CONCURRENTLY waits for the statements kept around it, so that a table the file creates
  // and what is done to it stay in one migration (lint knows such a table is new, and empty)
  let indexes: RecipeFile[] = [];
  const flush = () => {
    if (kept.length > 0)
      files.push({
        step: step++,
        phase: 'expand',
        suffix: '',
        extension: 'sql',
        text: keptMigration(kept, file),
      });
    files.push(...indexes.map((f) => ({ ...f, step: step++ })));
    [kept, indexes] = [[], []];
  };
  for (const [index, statement] of statements.entries()) {
    const found = errors.get(index);
    const pieces = found
      ? await Promise.all(splitUnsafe(statement.sql, reasonOf(found)).map(settle))
      : [{ kind: 'keep', sql: statement.sql, down: inverseOf(statement.node) } as const];
    for (const piece of pieces) {
      const at = { line: statement.line, sql: oneLine(piece.sql ?? statement.sql) };
      if (piece.kind === 'keep' || piece.kind === 'unsplit') {
        const note = piece.kind === 'unsplit' ? piece.reason : undefined;
        kept.push({ sql: piece.sql, down: piece.kind === 'keep' ? piece.down : undefined, note });
        outcomes.push({ ...at, outcome: note ? 'not split' : 'kept', ...(note ? { reason: note } : {}) });
        continue;
      }
      if (piece.kind === 'index') {
        const migration = sqlMigration({
          comment: `Expand: ${oneLine(piece.sql).slice(0, 100)}, built without blocking writes (from ${file}).`,
          up: [piece.sql],
          down: [piece.down],
          outsideTransaction: true,
        });
        indexes.push({ step: 0, phase: 'expand', suffix: '_index', extension: 'sql', text: migration });
        outcomes.push({ ...at, outcome: 'index' });
        continue;
      }
      flush();
      const recipe = recipeFiles(piece.recipe, piece.options);
      const suffix = `_${piece.recipe.replaceAll('-', '_')}`;
      files.push(...recipe.map((f) => ({ ...f, step: step + f.step, suffix: `${suffix}${f.suffix}` })));
      step += Math.max(...recipe.map((f) => f.step)) + 1;
      outcomes.push({ ...at, outcome: `recipe:${piece.recipe}` });
    }
  }
  flush();
  return { files, outcomes };
}
