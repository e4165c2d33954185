import { quoteIdent } from '../sql/identifiers.ts';
import type { TableName } from './names.ts';
import { quoteLiteral } from './names.ts';

/** The dollar quote of the bodies recipes write; a name holding it is refused (it would end the body). */
export const BODY_QUOTE = '$zerodown$';

/** The text of a column's type as the catalog says it, read when the migration runs (a PL/pgSQL expression). */
function catalogTypeLookup(table: TableName, column: string): string[] {
  return [
    `  SELECT format_type(atttypid, atttypmod) INTO column_type FROM pg_attribute`,
    `   WHERE attrelid = ${quoteLiteral(table.sql)}::regclass AND attname = ${quoteLiteral(column)} AND attnum > 0 AND NOT attisdropped;`,
    '  IF column_type IS NULL THEN',
    `    RAISE EXCEPTION 'zerodown recipe: column % of % does not exist', ${quoteLiteral(quoteIdent(column))}, ${quoteLiteral(table.sql)};`,
    '  END IF;',
  ];
}

/**
 * `ADD COLUMN <column> <type>`; without a type, a DO block that gives the new column the type `like`
 * has when the migration runs (the recipe was written without a database to ask).
 *
 * @example
 * addColumn(tableName('users'), 'display_name', { like: 'username' });
 */
export function addColumn(
  table: TableName,
  column: string,
  type: { type: string } | { like: string },
): string {
  if ('type' in type) return `ALTER TABLE ${table.sql} ADD COLUMN ${quoteIdent(column)} ${type.type}`;
  return [
    `DO ${BODY_QUOTE}`,
    'DECLARE column_type text;',
    'BEGIN',
    ...catalogTypeLookup(table, type.like),
    `  EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', ${quoteLiteral(table.sql)}::regclass, ${quoteLiteral(column)}, column_type);`,
    'END',
    BODY_QUOTE,
  ].join('\n');
}

/** `"column" IS NULL`, for a backfill's `where`. */
export function isNull(column: string): string {
  return `${quoteIdent(column)} IS NULL`;
}
