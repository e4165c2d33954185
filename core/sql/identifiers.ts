/**
 * Quotes an identifier for SQL: `users` -> `"users"`, `My"Table` -> `"My""Table"`.
 *
 * @example
 * quoteIdent('order'); // "order"
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes `schema.table` or `table` (split on the first dot). */
export function quoteQualified(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? quoteIdent(name) : `${quoteIdent(name.slice(0, dot))}.${quoteIdent(name.slice(dot + 1))}`;
}
