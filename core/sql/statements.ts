import { loadModule, parseSync } from 'libpg-query';
import { SqlSyntaxError } from '../errors.ts';

let loaded: Promise<void> | undefined;

/** Loads the PostgreSQL parser (WASM) once; every other function here needs it loaded. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** One statement of a SQL text, with where it starts. */
export interface SqlStatement {
  /** The statement's text, trimmed, without the trailing semicolon. */
  readonly sql: string;
  /** 1-based line of the statement's first token in the whole file. */
  readonly line: number;
  /** The parse tree node of the statement (`{ IndexStmt: {...} }` etc.). */
  // biome-ignore lint/suspicious/noExplicitAny: the parser's JSON tree is typed loosely on purpose
  readonly node: Record<string, any>;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Skips whitespace and comments so a statement's line is where its first token is. */
function firstTokenIndex(text: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '-' && text[i + 1] === '-') {
      while (i < to && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? to : end + 2;
    } else break;
  }
  return i;
}

/**
 * Splits SQL into statements with the real PostgreSQL parser (so `$$ ... ; ... $$` bodies stay whole).
 * `firstLine` is the line in the file where `text` starts.
 *
 * @example
 * await loadSqlParser();
 * splitStatements('CREATE TABLE t (id int);\nDROP TABLE t;'); // two statements, lines 1 and 2
 */
export function splitStatements(text: string, firstLine = 1): SqlStatement[] {
  if (firstTokenIndex(text, 0, text.length) >= text.length) return [];
  let tree: ReturnType<typeof parseSync>;
  try {
    tree = parseSync(text);
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const position = details?.cursorPosition ?? 0;
    const charIndex = Buffer.from(text).subarray(0, position).toString().length;
    throw new SqlSyntaxError((error as Error).message, firstLine - 1 + lineAt(text, charIndex));
  }
  const bytes = Buffer.from(text);
  const statements: SqlStatement[] = [];
  // statements come in file order: byte offsets turn into character offsets and lines incrementally, so
  // that splitting is linear in the text (it was quadratic: 8,000 statements took 10 s)
  let byte = 0;
  let char = 0;
  let line = firstLine;
  let lineCountedTo = 0;
  const lineOf = (index: number) => {
    for (; lineCountedTo < index; lineCountedTo++) if (text.charCodeAt(lineCountedTo) === 10) line++;
    return line;
  };
  for (const raw of tree.stmts ?? []) {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    char += bytes.subarray(byte, start).toString().length;
    byte = start;
    const slice = bytes.subarray(start, end).toString();
    const first = firstTokenIndex(slice, 0, slice.length);
    statements.push({
      sql: slice.slice(first).trim().replace(/;\s*$/, ''),
      line: lineOf(char + first),
      node: (raw.stmt ?? {}) as Record<string, unknown>,
    });
  }
  return statements;
}

/** The statement's node type, e.g. `IndexStmt`. */
export function statementKind(statement: SqlStatement): string {
  return Object.keys(statement.node)[0] ?? 'Unknown';
}

const ENDS_TRANSACTION = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);

/** Whether the statement ends the transaction it runs in: COMMIT (END), ROLLBACK (ABORT), PREPARE TRANSACTION. */
export function endsTransaction(statement: Pick<SqlStatement, 'node'>): boolean {
  return ENDS_TRANSACTION.has(statement.node.TransactionStmt?.kind);
}

/**
 * Whether PostgreSQL refuses to run the statement inside a transaction block
 * (CONCURRENTLY index operations, VACUUM, CREATE DATABASE, ...).
 */
export function cannotRunInTransaction(statement: SqlStatement): boolean {
  const [kind, body] = Object.entries(statement.node)[0] ?? [];
  switch (kind) {
    case 'IndexStmt':
    case 'DropStmt':
      return body?.concurrent === true;
    case 'ReindexStmt':
      return JSON.stringify(body?.params ?? []).includes('"concurrently"');
    case 'AlterTableStmt':
      return JSON.stringify(body?.cmds ?? []).includes('"concurrent":true');
    case 'VacuumStmt':
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'AlterSystemStmt':
      return true;
    default:
      return false;
  }
}
