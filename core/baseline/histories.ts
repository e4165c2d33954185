import type pg from 'pg';
import { InvalidInput } from '../errors.ts';

/** The tools whose history `zerodown baseline` reads. */
export const HISTORY_TOOLS = ['node-pg-migrate', 'flyway', 'dbmate'] as const;
export type HistoryTool = (typeof HISTORY_TOOLS)[number];

/** The table each tool keeps its history in, by default. */
export const DEFAULT_HISTORY_TABLES: Readonly<Record<HistoryTool, string>> = {
  'node-pg-migrate': 'pgmigrations',
  flyway: 'flyway_schema_history',
  dbmate: 'schema_migrations',
};

/** One row of another tool's history, as zerodown matches it to a file. */
export interface HistoryRow {
  /** The row as messages name it: `pgmigrations row "1700000000000_create-users"`. */
  readonly label: string;
  /** The version the row records (digits, Flyway's with dots); undefined when it names none. */
  readonly version?: string;
  /** node-pg-migrate: the file name without its extension. */
  readonly name?: string;
  /** Flyway: the script, its type (`SQL`, `BASELINE`, `SCHEMA`, `JDBC`, `DELETE`, …), checksum, success. */
  readonly script?: string;
  readonly type?: string;
  readonly checksum?: number | null;
  readonly success: boolean;
  readonly appliedAt?: Date;
  readonly durationMs?: number;
}

/** A table name as given (`pgmigrations`, `public.pgmigrations`), quoted for SQL; refused when it is not one. */
export function quoteTableName(client: pg.ClientBase, table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(p))) {
    throw new InvalidInput(
      `--table "${table}" is not a table name: give it as name or schema.name (letters, digits, _)`,
    );
  }
  return parts.map((p) => client.escapeIdentifier(p)).join('.');
}

const SELECTS: Readonly<Record<HistoryTool, string>> = {
  'node-pg-migrate': 'SELECT id::text, name, run_on FROM %s ORDER BY run_on, id',
  dbmate: 'SELECT version::text FROM %s ORDER BY version',
  flyway: `SELECT installed_rank, version, description, type, script, checksum, installed_on, execution_time, success
             FROM %s ORDER BY installed_rank`,
};

// biome-ignore lint/suspicious/noExplicitAny: rows of three different tables
function toRow(tool: HistoryTool, table: string, r: Record<string, any>): HistoryRow {
  switch (tool) {
    case 'node-pg-migrate':
      return {
        label: `${table} row "${r.name}"`,
        version: /^(\d+)/.exec(r.name)?.[1],
        name: r.name,
        success: true,
        appliedAt: r.run_on,
      };
    case 'dbmate':
      return { label: `${table} version ${r.version}`, version: r.version, success: true };
    case 'flyway':
      return {
        label: `${table} installed_rank ${r.installed_rank} (${r.type} ${r.version ?? 'repeatable'} ${r.script})`,
        ...(r.version !== null ? { version: r.version } : {}),
        script: r.script,
        type: r.type,
        checksum: r.checksum,
        success: r.success,
        appliedAt: r.installed_on,
        durationMs: r.execution_time,
      };
  }
}

/**
 * Reads another tool's history table, oldest first. A missing table, or one without the tool's
 * columns, is an error naming the table and the tool.
 *
 * @example
 * const rows = await readHistory(client, 'flyway', 'flyway_schema_history');
 */
export async function readHistory(
  client: pg.ClientBase,
  tool: HistoryTool,
  table: string,
): Promise<HistoryRow[]> {
  const quoted = quoteTableName(client, table);
  const { rows: found } = await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [
    quoted,
  ]);
  if (!found[0]?.ok) {
    throw new InvalidInput(
      `no table ${table} in this database: is it the database ${tool} migrated? Give its history table with --table`,
    );
  }
  try {
    const { rows } = await client.query(SELECTS[tool].replace('%s', quoted));
    return rows.map((r) => toRow(tool, table, r));
  } catch (error) {
    throw new InvalidInput(
      `${table} is not a ${tool} history table (${(error as Error).message}); give the right one with --table, or the right --from`,
      { cause: error },
    );
  }
}
