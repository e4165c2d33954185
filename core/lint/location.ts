import { parseSync } from 'libpg-query';
import type { SqlStatement } from '../sql/statements.ts';
import { firstLocation } from './ast.ts';

/** A 1-based line and column in a migration file. */
export interface Place {
  readonly line: number;
  readonly column: number;
}

/** Where a statement's first token is in its file; column 1 when the file's text is not at hand. */
export function statementPlace(statement: SqlStatement, fileLines: readonly string[] | undefined): Place {
  const text = fileLines?.[statement.line - 1];
  if (text === undefined) return { line: statement.line, column: 1 };
  const start = text.indexOf(statement.sql.split('\n')[0] ?? '');
  const column = start >= 0 ? start + 1 : text.length - text.trimStart().length + 1;
  return { line: statement.line, column };
}

/**
 * The place of a part of a statement, from its parser `location`. Locations count bytes from the
 * start of the text the loader parsed (a whole section), which the statement does not carry; parsing
 * the statement alone gives the same tree with offsets from its own start, and the first location in
 * both trees is the same token, which gives the shift. Only done for statements with a finding.
 */
export function placeOf(
  statement: SqlStatement,
  start: Place,
  at: { readonly location?: number; readonly offset?: number },
): Place {
  if (at.offset !== undefined) return placeInStatement(statement, start, at.offset);
  const location = at.location;
  if (location === undefined) return start;
  const shift = shiftOf(statement);
  return shift === undefined ? start : placeInStatement(statement, start, location - shift);
}

const shifts = new WeakMap<SqlStatement, number | undefined>();

/** Section offset minus statement offset of the same token; parsed once per statement with findings. */
function shiftOf(statement: SqlStatement): number | undefined {
  if (shifts.has(statement)) return shifts.get(statement);
  let shift: number | undefined;
  try {
    const alone = parseSync(statement.sql).stmts?.[0]?.stmt;
    const inSection = firstLocation(statement.node);
    const inStatement = firstLocation(alone);
    if (inSection !== undefined && inStatement !== undefined) shift = inSection - inStatement;
  } catch {
    shift = undefined;
  }
  shifts.set(statement, shift);
  return shift;
}

function placeInStatement(statement: SqlStatement, start: Place, offset: number): Place {
  const bytes = Buffer.from(statement.sql);
  if (offset < 0 || offset > bytes.length) return start;
  const before = bytes.subarray(0, offset).toString().split('\n');
  if (before.length === 1) return { line: start.line, column: start.column + (before[0]?.length ?? 0) };
  return { line: start.line + before.length - 1, column: (before.at(-1)?.length ?? 0) + 1 };
}
