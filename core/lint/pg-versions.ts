/**
 * What changes with the PostgreSQL major version, for the rules whose truth depends on it. Without a
 * version (no `--pg-version`, no server, no config) the rules assume a current release.
 */

/** ADD COLUMN with a constant default is catalog-only from this major (before, every row is rewritten). */
export const FAST_DEFAULT_SINCE = 11;
/** DETACH PARTITION … CONCURRENTLY exists from this major. */
export const CONCURRENT_DETACH_SINCE = 14;
/** REPACK (replacing VACUUM FULL and CLUSTER) exists from this major. */
export const REPACK_SINCE = 19;

/** A hint for VACUUM FULL and CLUSTER: REPACK where the server has it, pg_repack otherwise. */
export function repackHint(pgVersion: number | undefined, table: string): string | undefined {
  if (pgVersion === undefined || pgVersion < REPACK_SINCE) return undefined;
  return `REPACK ${table}; -- PostgreSQL ${pgVersion} has REPACK; see its documentation for the form that does not block writes, or use pg_repack outside the migration`;
}
