import { parseSync, scanSync } from 'libpg-query';
import { MigrationFailed } from '../errors.ts';

// biome-ignore lint/suspicious/noExplicitAny: the parser's JSON tree is typed loosely on purpose
type ParseNode = any;

/** A backfill expression checked by the real parser: exactly one SQL expression, comments removed. */
export interface SqlExpression {
  /** The expression's text with its comments replaced by a space: safe to put inside `( … )`. */
  readonly sql: string;
  /** The parse tree of the expression (the `val` of its one select target). */
  readonly node: ParseNode;
}

/** What the parser says of `SELECT <text>`, or undefined when it parses. */
function parserError(text: string): Error | undefined {
  try {
    parseSync(`SELECT ${text}`);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/** The keys a `SELECT <expression>` has in the parse tree, and nothing else (no FROM, WHERE, INTO, …). */
const PLAIN_SELECT_KEYS = new Set(['targetList', 'limitOption', 'op']);

/**
 * Replaces every comment of a SQL text by one space. A `--` comment would swallow the `)` and the
 * conditions that follow the expression in a batch statement; without comments, a text that parses
 * as one whole expression stays one expression inside parentheses.
 */
function withoutComments(text: string): { sql: string; semicolon: boolean } {
  const { tokens } = scanSync(text);
  let out = '';
  let at = 0;
  for (const token of tokens) {
    if (token.tokenName !== 'SQL_COMMENT' && token.tokenName !== 'C_COMMENT') continue;
    out += `${text.slice(at, token.start)} `;
    at = token.end;
  }
  return { sql: (out + text.slice(at)).trim(), semicolon: tokens.some((t) => t.text === ';') };
}

/**
 * Checks that `text` (a backfill's `set` value or `where`) is one SQL expression and nothing else,
 * with the real PostgreSQL parser, standing alone (not inside parentheses a caller adds, which a text
 * like `x), y = (NULL` would close and reopen). Throws `MigrationFailed` naming the file and the field.
 * The parser must be loaded (`loadSqlParser`).
 *
 * @example
 * parseSqlExpression('1_users.backfill.json', 'set.display_name', 'lower(username)').sql; // 'lower(username)'
 */
export function parseSqlExpression(file: string, field: string, text: string): SqlExpression {
  const refuse = (why: string, cause?: unknown): never => {
    throw new MigrationFailed(
      file,
      `${file}: ${field} must be one SQL expression (${why}); write it as it would stand after SELECT, e.g. "lower(username)"`,
      cause === undefined ? undefined : { cause },
    );
  };
  if (text.trim().length === 0) return refuse('it is empty');
  let scanned: { sql: string; semicolon: boolean };
  let tree: ParseNode;
  try {
    scanned = withoutComments(text);
    tree = parseSync(`SELECT ${scanned.sql}`);
  } catch (error) {
    // the scanner fails without a message of its own on some texts (an unterminated quote): the parser says why
    const said = parserError(text) ?? (error as Error);
    return refuse(said.message, said);
  }
  const { sql } = scanned;
  if (sql.length === 0) return refuse('it is empty');
  if (scanned.semicolon) return refuse('it holds a ";"');
  const statements = tree.stmts ?? [];
  if (statements.length !== 1) return refuse(`it holds ${statements.length} statements`);
  const select = statements[0].stmt?.SelectStmt;
  if (!select) return refuse('it is not an expression');
  const extra = Object.keys(select).filter((key) => !PLAIN_SELECT_KEYS.has(key));
  if (extra.length > 0 || select.op !== 'SETOP_NONE') {
    return refuse(`it has clauses of its own: ${extra.join(', ') || select.op}`);
  }
  const targets = select.targetList ?? [];
  if (targets.length !== 1) return refuse(`it is a list of ${targets.length} expressions`);
  const target = targets[0].ResTarget;
  if (target?.name !== undefined) return refuse(`it names its result (AS ${target.name})`);
  const star = target?.val?.ColumnRef?.fields?.at(-1)?.A_Star;
  if (!target?.val || star) return refuse('it is a * list, not a value');
  return { sql, node: target.val };
}
