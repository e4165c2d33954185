/**
 * Reading the PostgreSQL parse tree (libpg-query's JSON) the way the rules need it: table keys,
 * column types, ALTER TABLE commands, constraints. The tree is loosely typed on purpose.
 */
import { cannotRunInTransaction, type SqlStatement } from '../sql/statements.ts';
import type { ColumnType } from './types.ts';

// biome-ignore lint/suspicious/noExplicitAny: the parser's JSON tree is open-ended
export type Node = Record<string, any>;

/** `{ String: { sval } }` lists -> plain strings. */
export function strings(list: readonly Node[] | undefined): string[] {
  return (list ?? []).map((item) => item?.String?.sval).filter((s): s is string => typeof s === 'string');
}

/** A table's key in the lint context: `schema.table`, without the default `public.`. */
export function tableKey(schema: string | undefined, name: string): string {
  return schema && schema !== 'public' ? `${schema}.${name}` : name;
}

/** The key of a `RangeVar` (relation) node. */
export function relationKey(rangeVar: Node | undefined): string {
  return tableKey(rangeVar?.schemaname, rangeVar?.relname ?? '?');
}

/** The key of a qualified name list (`DROP TABLE s.t` objects). */
export function nameListKey(list: Node | undefined): string {
  const parts = strings(list?.List?.items ?? []);
  const name = parts.at(-1) ?? '?';
  return parts.length > 1 ? tableKey(parts.at(-2), name) : name;
}

/** A column type as written: `pg_catalog.varchar(255)` -> `{ name: 'varchar', modifiers: [255] }`. */
export function columnType(typeName: Node | undefined): ColumnType {
  const names = strings(typeName?.names);
  const name = names.at(-1) ?? '?';
  const modifiers = (typeName?.typmods ?? []).map((m: Node) => Number(m?.A_Const?.ival?.ival ?? 0));
  const schema = names.length > 1 && names[0] !== 'pg_catalog' ? names.at(-2) : undefined;
  return { name, modifiers, array: Array.isArray(typeName?.arrayBounds), ...(schema ? { schema } : {}) };
}

/** How a type reads in SQL (`varchar(255)`, `timestamp`), for messages. */
export function typeText(type: ColumnType): string {
  const shown: Record<string, string> = { int4: 'integer', int2: 'smallint', int8: 'bigint', bpchar: 'char' };
  const base = shown[type.name] ?? type.name;
  return `${base}${type.modifiers.length ? `(${type.modifiers.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

/** The constraints written on a column definition (`NOT NULL`, `DEFAULT`, `REFERENCES`, …). */
export function columnConstraints(columnDef: Node | undefined): Node[] {
  return (columnDef?.constraints ?? []).map((c: Node) => c.Constraint).filter(Boolean);
}

/** One command of an `ALTER TABLE` statement. */
export interface AlterCommand {
  readonly subtype: string;
  readonly cmd: Node;
}

/** The `ALTER TABLE` node and its commands, or undefined for other statements (and ALTER INDEX etc.). */
export function alterTable(
  node: Node,
): { table: string; relation: Node; commands: AlterCommand[] } | undefined {
  const stmt = node.AlterTableStmt;
  if (!stmt || (stmt.objtype && stmt.objtype !== 'OBJECT_TABLE')) return undefined;
  const commands = (stmt.cmds ?? [])
    .map((c: Node) => c.AlterTableCmd)
    .filter(Boolean)
    .map((cmd: Node) => ({ subtype: String(cmd.subtype), cmd }));
  return { table: relationKey(stmt.relation), relation: stmt.relation, commands };
}

/** Location of the first node that carries one, depth first (`-1` and absent skipped). */
export function firstLocation(tree: unknown): number | undefined {
  if (Array.isArray(tree)) {
    for (const item of tree) {
      const found = firstLocation(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (tree && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) {
      if (key === 'location' && typeof value === 'number' && value >= 0) return value;
      const found = firstLocation(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

// Words that must be quoted to be used as names (a short list: the ones table and column names hit).
const RESERVED = new Set(
  'all analyse analyze and any array as asc check collate column constraint create default desc distinct do else end except false for foreign from grant group having in into limit not null offset on only or order primary references select table then to true union unique user using when where with'.split(
    ' ',
  ),
);

/** An identifier as it would be written in SQL: bare when it can be, quoted otherwise. */
export function sqlName(name: string): string {
  return name
    .split('.')
    .map((part) =>
      /^[a-z_][a-z0-9_$]*$/.test(part) && !RESERVED.has(part) ? part : `"${part.replaceAll('"', '""')}"`,
    )
    .join('.');
}

/** Bytes of an identifier; PostgreSQL truncates names longer than 63 bytes. */
export function identifierBytes(name: string): number {
  return Buffer.byteLength(name, 'utf8');
}

const refusing = new WeakMap<SqlStatement, boolean>();

/** `cannotRunInTransaction`, remembered per statement (several rules ask for every statement of a migration). */
export function refusesTransaction(statement: SqlStatement): boolean {
  let answer = refusing.get(statement);
  if (answer === undefined) {
    answer = cannotRunInTransaction(statement);
    refusing.set(statement, answer);
  }
  return answer;
}

const firstRefusing = new WeakMap<readonly SqlStatement[], number>();

/**
 * The index of the first statement of a section that cannot run in a transaction (-1: none), found
 * once per section: a rule that looked it up for each statement made lint quadratic in a file's
 * statements (16,000 took 6.9 s).
 */
export function firstRefusingTransaction(statements: readonly SqlStatement[]): number {
  let index = firstRefusing.get(statements);
  if (index === undefined) {
    index = statements.findIndex(refusesTransaction);
    firstRefusing.set(statements, index);
  }
  return index;
}
