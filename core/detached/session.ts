import type pg from 'pg';
import { type ConnectionOptions, openConnection } from '../db/connection.ts';
import type { Log } from '../log.ts';
import { quoteIdent } from '../sql/identifiers.ts';

/**
 * One long statement of a migration that runs on its own session: a CREATE INDEX CONCURRENTLY (kind
 * `index`) or an ALTER TABLE … VALIDATE CONSTRAINT (kind `validate`). Both take only locks that let the
 * application read and write the table (SHARE UPDATE EXCLUSIVE), so they may wait and run for hours.
 */
export interface DetachedStatement {
  readonly kind: 'index' | 'validate';
  /** `zerodown-build:<version>:<phase>:<statement>`: the builder session's application_name. */
  readonly key: string;
  /** The table, as SQL (quoted, maybe schema-qualified). */
  readonly table: string;
  /** The table for people: `users`, `app.users`. */
  readonly tableName: string;
  /** The index the statement builds (kind `index`), or the constraint it validates (kind `validate`). */
  readonly name: string;
  readonly sql: string;
}

/** What the database says about a build. */
export interface DetachedStatus {
  /** A session with the build's application_name is running a statement. */
  readonly running: boolean;
  readonly pid: number | null;
  /** pg_stat_progress_create_index: phase, blocks and tuples done of total. */
  readonly phase: string | null;
  readonly blocksDone: number | null;
  readonly blocksTotal: number | null;
  readonly tuplesDone: number | null;
  readonly tuplesTotal: number | null;
  /** The index exists in the table's schema (kind `validate`: the constraint exists on the table). */
  readonly exists: boolean;
  /**
   * `pg_index.indisvalid` (false while building, or left INVALID by a failed build); kind `validate`:
   * `pg_constraint.convalidated`.
   */
  readonly valid: boolean;
}

/** A build this process started: its session outlives the task invocation that started it. */
interface LocalBuild {
  readonly client: pg.Client;
  readonly finished: Promise<void>;
  error?: Error;
  settled: boolean;
}

// Module scope on purpose: in Lambda it survives between invocations of a warm environment, so the next
// poll can report the build's own error. When the environment is gone the server keeps building (it does
// not read from the client during CREATE INDEX) and the poll finds the result in the catalog instead.
const localBuilds = new Map<string, LocalBuild>();

/**
 * Starts a CREATE INDEX CONCURRENTLY on its own session, named by the build key, and returns without
 * waiting. The session has no statement_timeout and no lock_timeout: the build's waits (for old snapshots)
 * block no application traffic, and a timeout there would throw away hours of work; no
 * client_connection_check_interval either, so the server does not cancel it when the client goes away.
 *
 * @example
 * startDetached(connection, target, log);
 */
export async function startDetached(
  connection: ConnectionOptions,
  target: DetachedStatement,
  log: Log,
): Promise<void> {
  const client = await openConnection({
    ...connection,
    applicationName: target.key,
    lockTimeoutMs: 0,
    statementTimeoutMs: 0,
  });
  const { rows } = await client.query<{ version: number }>(
    "SELECT current_setting('server_version_num')::int AS version",
  );
  if ((rows[0]?.version ?? 0) >= 140000) await client.query('SET client_connection_check_interval = 0');
  const build: LocalBuild = { client, settled: false, finished: Promise.resolve() };
  localBuilds.set(target.key, build);
  log.info(
    `${target.kind === 'index' ? `building index ${target.name}` : `validating constraint ${target.name}`} on ${target.tableName} on its own session (${target.key})`,
  );
  (build as { finished: Promise<void> }).finished = client
    .query(target.sql)
    .then(
      () => undefined,
      (error: Error) => {
        build.error = error;
      },
    )
    .finally(() => {
      build.settled = true;
      return client.end().catch(() => undefined);
    });
}

/**
 * Waits up to `ms` for a build this process started to end; returns its error, if it failed. Returns
 * at once (undefined) for builds of other processes.
 */
export async function awaitLocalBuild(key: string, ms: number): Promise<{ ended: boolean; error?: Error }> {
  const build = localBuilds.get(key);
  if (!build) return { ended: false };
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    build.finished,
    new Promise((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms));
    }),
  ]);
  clearTimeout(timer);
  return { ended: build.settled, error: build.error };
}

/** Whether this process started the build, and whether it has ended (with its error, if it failed). */
export function localBuildState(
  key: string,
): { state: 'none' } | { state: 'running' } | { state: 'settled'; error?: Error } {
  const build = localBuilds.get(key);
  if (!build) return { state: 'none' };
  return build.settled ? { state: 'settled', error: build.error } : { state: 'running' };
}

/** Forgets a finished build (its error has been reported). */
export function forgetLocalBuild(key: string): void {
  const build = localBuilds.get(key);
  if (build?.settled) localBuilds.delete(key);
}

/**
 * Drops this process's knowledge of every build, as a Lambda environment that is shut down would; with
 * `disconnect`, also destroys their sockets without a goodbye (tests of the design use it). Servers keep
 * building; the next poll reads the outcome from the catalog.
 */
export function abandonLocalBuilds(options: { disconnect?: boolean } = {}): void {
  for (const build of localBuilds.values()) {
    // biome-ignore lint/suspicious/noExplicitAny: pg's socket is not in its public types
    if (options.disconnect) (build.client as any).connection?.stream?.destroy();
  }
  localBuilds.clear();
}

/**
 * Reads a build's state from the database: whether its session is still running it, its progress, and
 * whether the index exists and is valid.
 *
 * @example
 * const status = await readDetached(client, target);
 */
export async function readDetached(
  client: pg.ClientBase,
  target: DetachedStatement,
): Promise<DetachedStatus> {
  const activity = await client.query(
    `SELECT a.pid, p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total
       FROM pg_stat_activity a LEFT JOIN pg_stat_progress_create_index p ON p.pid = a.pid
      WHERE a.application_name = $1 AND a.datname = current_database() AND a.state = 'active'
      LIMIT 1`,
    [target.key],
  );
  const index = await client.query<{ valid: boolean }>(
    target.kind === 'index'
      ? `SELECT i.indisvalid AS valid
           FROM pg_class t JOIN pg_class c ON c.relnamespace = t.relnamespace AND c.relname = $2 AND c.relkind IN ('i', 'I')
           JOIN pg_index i ON i.indexrelid = c.oid AND i.indrelid = t.oid
          WHERE t.oid = to_regclass($1)`
      : 'SELECT convalidated AS valid FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2',
    [target.table, target.name],
  );
  const row = activity.rows[0];
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    running: row !== undefined,
    pid: row?.pid ?? null,
    phase: row?.phase ?? null,
    blocksDone: number(row?.blocks_done),
    blocksTotal: number(row?.blocks_total),
    tuplesDone: number(row?.tuples_done),
    tuplesTotal: number(row?.tuples_total),
    exists: index.rows.length > 0,
    valid: index.rows[0]?.valid === true,
  };
}

/** The qualified name to drop an index of the target's table by. */
export async function qualifiedIndexName(client: pg.ClientBase, target: DetachedStatement): Promise<string> {
  const { rows } = await client.query<{ schema: string }>(
    'SELECT n.nspname AS schema FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE t.oid = to_regclass($1)',
    [target.table],
  );
  const schema = rows[0]?.schema;
  return schema ? `${quoteIdent(schema)}.${quoteIdent(target.name)}` : quoteIdent(target.name);
}
