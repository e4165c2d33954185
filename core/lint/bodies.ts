/**
 * The statements inside DO blocks, read with the PL/pgSQL parser (libpg-query) so that the rules see
 * them like any other statement, and what in a body cannot be checked (EXECUTE of a built string, a
 * language other than PL/pgSQL).
 */
import { parsePlPgSQLSync, parseSync } from 'libpg-query';
import type { SqlStatement } from '../sql/statements.ts';
import { type Node, strings } from './ast.ts';

/** A statement that runs inside a DO block, with the DO statement it belongs to. */
const insideBody = new WeakMap<SqlStatement, SqlStatement>();

/** The DO statement a statement was read from, when it was read from one. */
export function bodyOf(statement: SqlStatement): SqlStatement | undefined {
  return insideBody.get(statement);
}

const unreadable = new WeakMap<SqlStatement, string[]>();

/** Why parts of a DO block's body were not checked (empty when every part was). */
export function uncheckedParts(statement: SqlStatement): readonly string[] {
  return unreadable.get(statement) ?? [];
}

function option(node: Node, name: string): string | undefined {
  const arg = (node.args ?? []).find((a: Node) => a.DefElem?.defname === name)?.DefElem?.arg;
  return arg?.String?.sval;
}

// PL/pgSQL statements are nested in blocks, IF, LOOP, CASE …: collect the SQL ones depth first
function collect(tree: unknown, found: { query: string; line: number }[], skipped: string[]): void {
  if (Array.isArray(tree)) {
    for (const item of tree) collect(item, found, skipped);
    return;
  }
  if (!tree || typeof tree !== 'object') return;
  for (const [key, value] of Object.entries(tree as Node)) {
    if (key === 'PLpgSQL_stmt_execsql') {
      found.push({ query: value.sqlstmt?.PLpgSQL_expr?.query ?? '', line: value.lineno ?? 1 });
    } else if (key === 'PLpgSQL_stmt_dynexecute') {
      skipped.push(`EXECUTE of a string built at run time (line ${value.lineno ?? 1} of the block)`);
    } else {
      collect(value, found, skipped);
    }
  }
}

function readDo(statement: SqlStatement): SqlStatement[] {
  const language = option(statement.node.DoStmt, 'language') ?? 'plpgsql';
  if (language !== 'plpgsql') {
    unreadable.set(statement, [`the body is ${language}, which zerodown does not read`]);
    return [];
  }
  const found: { query: string; line: number }[] = [];
  const skipped: string[] = [];
  try {
    collect(parsePlPgSQLSync(statement.sql), found, skipped);
  } catch (error) {
    unreadable.set(statement, [`the PL/pgSQL parser refused the body: ${(error as Error).message}`]);
    return [];
  }
  const inner: SqlStatement[] = [];
  for (const { query, line } of found) {
    try {
      const node = parseSync(query).stmts?.[0]?.stmt;
      if (!node) continue;
      const read: SqlStatement = { sql: query, line: statement.line + line - 1, node };
      insideBody.set(read, statement);
      inner.push(read);
    } catch {
      // a statement with PL/pgSQL variables in it (INTO, :=) parses only in its block
      skipped.push(`"${query.slice(0, 40)}" (line ${line} of the block) uses PL/pgSQL variables`);
    }
  }
  unreadable.set(statement, skipped);
  return inner;
}

/**
 * The statements of a script with each DO block followed by the SQL statements inside it, so that
 * rules and the schema tracker see them in the order they run.
 *
 * @example
 * withBodies(splitStatements("DO $$ BEGIN CREATE INDEX i ON t (a); END $$;")); // [DO …, CREATE INDEX i …]
 */
export function withBodies(statements: readonly SqlStatement[]): readonly SqlStatement[] {
  if (!statements.some((s) => s.node.DoStmt)) return statements;
  return statements.flatMap((s) => (s.node.DoStmt ? [s, ...readDo(s)] : [s]));
}

/** Names of the functions and procedures a statement calls (`SELECT f()`, `CALL p()`), for "is it called?". */
export function calledFunctions(node: Node): Set<string> {
  const names = new Set<string>();
  const walk = (tree: unknown): void => {
    if (Array.isArray(tree)) {
      for (const item of tree) walk(item);
      return;
    }
    if (!tree || typeof tree !== 'object') return;
    for (const [key, value] of Object.entries(tree as Node)) {
      // CALL p() carries its call as `funccall`, without the FuncCall wrapper
      if (key === 'FuncCall' || key === 'funccall') names.add(strings(value.funcname).join('.'));
      walk(value);
    }
  };
  walk(node);
  return names;
}
