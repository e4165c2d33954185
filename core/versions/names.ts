/** The schema that holds the application's tables; the views of every version present its tables. */
export const BASE_SCHEMA = 'public';

/**
 * The schema of a release's version: `zd_` and the release lower-cased, every character but `a-z`,
 * `0-9` and `_` replaced by `_`, cut to PostgreSQL's 63 bytes.
 *
 * @example
 * versionSchemaName('v42'); // 'zd_v42'
 * versionSchemaName('2026.01-rc1'); // 'zd_2026_01_rc1'
 */
export function versionSchemaName(release: string): string {
  return `zd_${release.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/**
 * The `search_path` an application version of `release` connects with: its views first, then the base
 * schema (sequences, functions, types).
 *
 * @example
 * versionSearchPath('v42'); // 'zd_v42, public'
 */
export function versionSearchPath(release: string): string {
  return `${versionSchemaName(release)}, ${BASE_SCHEMA}`;
}

/**
 * A node-postgres client or pool config that connects as the version of `release`: `options` gains
 * `-c search_path=zd_<release>,public` (kept after any options already there).
 *
 * @example
 * const pool = new pg.Pool(versionedConnection({ connectionString: process.env.DATABASE_URL }, 'v42'));
 */
export function versionedConnection<T extends { options?: string; [key: string]: unknown }>(
  config: T,
  release: string,
): T & { options: string } {
  const searchPath = `-c search_path=${versionSearchPath(release).replace(' ', '')}`;
  return { ...config, options: config.options ? `${config.options} ${searchPath}` : searchPath };
}
