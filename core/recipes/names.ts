import { quoteIdent } from '../sql/identifiers.ts';

/** PostgreSQL keeps 63 bytes of a name (NAMEDATALEN - 1) and silently cuts the rest. */
const MAX_NAME_BYTES = 63;

/** A table as a recipe was given it: `name` or `schema.name`, taken literally. */
export interface TableName {
  /** As given (`app.users`): what a backfill spec's `table` takes. */
  readonly text: string;
  readonly schema?: string;
  readonly name: string;
  /** Quoted for SQL: `"app"."users"`. */
  readonly sql: string;
  /** Another table in the same schema, quoted (`"app"."customers"`). */
  sibling(name: string): string;
}

/**
 * Reads `--table` and the like: the first dot separates the schema (as a backfill spec's `table` reads it).
 *
 * @example
 * tableName('app.My Table').sql; // "app"."My Table"
 */
export function tableName(text: string): TableName {
  const dot = text.indexOf('.');
  const schema = dot < 0 ? undefined : text.slice(0, dot);
  const name = dot < 0 ? text : text.slice(dot + 1);
  const sibling = (other: string) =>
    schema === undefined ? quoteIdent(other) : `${quoteIdent(schema)}.${quoteIdent(other)}`;
  return { text, schema, name, sql: sibling(name), sibling };
}

/** A SQL string literal: `it's` -> `'it''s'`. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Cuts a string to at most `bytes` bytes of UTF-8 without splitting a character. */
function cutToBytes(text: string, bytes: number): string {
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char) > bytes) break;
    out += char;
  }
  return out;
}

/**
 * A name derived from others (`users_email_key`) that fits PostgreSQL's 63 bytes: the leading parts are
 * cut, the suffix is kept, so the name still says what it is.
 *
 * @example
 * derivedName(['users', 'email'], 'key'); // users_email_key
 */
export function derivedName(parts: readonly string[], suffix: string): string {
  const tail = `_${suffix}`;
  return `${cutToBytes(parts.join('_'), MAX_NAME_BYTES - Buffer.byteLength(tail))}${tail}`;
}

/** Whether PostgreSQL keeps the whole name (a longer one would be cut, and two such could collide). */
export function fitsName(name: string): boolean {
  return Buffer.byteLength(name) <= MAX_NAME_BYTES;
}
