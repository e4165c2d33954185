import { parseSync } from 'libpg-query';
import { InvalidInput } from '../errors.ts';
import { BODY_QUOTE } from './columns.ts';
import { fitsName } from './names.ts';

/**
 * A name given to a recipe is used literally (quoted in the SQL it writes): refused when PostgreSQL
 * would cut it, or when it would end a body the recipe writes.
 */
export function checkName(name: string, what = 'name'): void {
  if (name.length === 0)
    throw new InvalidInput(`an empty ${what} was given; give the ${what} as it is in the database`);
  const parts = what === 'table' ? name.split('.', 2) : [name];
  for (const part of parts) {
    if (part.length === 0)
      throw new InvalidInput(`${what} "${name}" has an empty part: give "table" or "schema.table"`);
    if (!fitsName(part))
      throw new InvalidInput(
        `${what} "${part}" is longer than PostgreSQL's 63 bytes: it would be cut; give a shorter one`,
      );
    if (part.includes('\0') || part.includes(BODY_QUOTE))
      throw new InvalidInput(
        `${what} "${part}" holds a NUL byte or ${BODY_QUOTE}, which the recipe cannot write`,
      );
  }
}

function parsesAsOne(sql: string): unknown | undefined {
  try {
    const tree = parseSync(sql);
    return tree.stmts?.length === 1 ? tree.stmts[0]?.stmt : undefined;
  } catch {
    return undefined;
  }
}

/** `--type` must be one SQL type (`bigint`, `numeric(14, 2)`, `text[]`). The parser must be loaded. */
export function checkType(type: string): void {
  // biome-ignore lint/suspicious/noExplicitAny: the parser's JSON tree is typed loosely on purpose
  const stmt = parsesAsOne(`SELECT NULL::${type}`) as any;
  const target = stmt?.SelectStmt?.targetList;
  if (target?.length !== 1 || !target[0]?.ResTarget?.val?.TypeCast || stmt.SelectStmt.fromClause) {
    throw new InvalidInput(
      `--type "${type}" is not a SQL type; give one such as bigint, text or numeric(14, 2)`,
    );
  }
}

/** An expression option (`--using`, `--fill`) must be one SQL expression over the row. */
export function checkExpression(flag: string, sql: string): void {
  // parenthesised, so that "x; DROP TABLE t" or "x FROM y" cannot pass as one expression
  // biome-ignore lint/suspicious/noExplicitAny: the parser's JSON tree is typed loosely on purpose
  const stmt = parsesAsOne(`SELECT (${sql})`) as any;
  if (stmt?.SelectStmt?.targetList?.length !== 1) {
    throw new InvalidInput(
      `${flag} "${sql}" is not one SQL expression; write one over the row, e.g. "lower(email)"`,
    );
  }
}
