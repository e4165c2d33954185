import type pg from 'pg';
import { readFinishedBackfillRate } from '../backfill/state.ts';
import { hasErrors, type LintConfig, type LintFinding, lintMigrations } from '../lint/index.ts';
import { SchemaTracker } from '../lint/schema-tracker.ts';
import { pendingMigrations } from '../migrations/pending.ts';
import type { Migration, Phase } from '../migrations/types.ts';
import type { LockMode } from '../sql/lock-modes.ts';
import { type AppliedMigration, assertNoDrift, readApplied } from '../state/records.ts';
import type { TableEffect } from './lock-levels.ts';
import { statementLock } from './statement-locks.ts';

/** One statement of a pending migration: where it is, the lock it takes, what it does to the rows. */
export interface PlannedStatement {
  readonly line: number;
  /** The statement on one line, cut at 100 characters. */
  readonly sql: string;
  readonly lock: LockMode | 'none' | 'unknown';
  readonly effect: TableEffect;
  readonly tables: readonly string[];
}

/** A pending migration and its statements (a backfill: its table and batches instead). */
export interface PlannedMigration {
  readonly id: string;
  readonly file: string;
  readonly phase: Phase;
  /** Whether the runner wraps the up script in one transaction (backfills: each batch is one). */
  readonly transaction: boolean;
  readonly statements: readonly PlannedStatement[];
  readonly backfill?: {
    readonly table: string;
    readonly batchSize?: number;
    readonly sync: boolean;
    /** Seconds, from the table's row estimate and the backfill rate; only with a database. */
    readonly estimatedSeconds?: number;
  };
}

/** A table a pending statement or backfill touches, as the database sees it now. */
export interface TouchedTable {
  readonly name: string;
  readonly exists: boolean;
  /** `pg_total_relation_size`: the table with its indexes and TOAST. */
  readonly totalBytes?: number;
  /** `pg_class.reltuples`; undefined when the table was never vacuumed or analyzed. */
  readonly rowEstimate?: number;
}

/** What `zerodown plan` reports. */
export interface PlanReport {
  readonly release?: string;
  /** `files`: no database was given, every migration counts as pending. */
  readonly source: 'files' | 'database';
  readonly applied: number;
  readonly phases: Readonly<Record<Phase, readonly PlannedMigration[]>>;
  /** The deploy gates an execution with these settings waits at, in order. */
  readonly gates: readonly { readonly gate: 'afterExpand' | 'beforeContract'; readonly after: Phase }[];
  readonly tables: readonly TouchedTable[];
  readonly backfillRate?: { readonly rowsPerSecond: number; readonly source: 'measured' | 'configured' };
  readonly findings: readonly LintFinding[];
  /** An error-level finding: what `zerodown up` and the workflow's Plan step would stop at. */
  readonly lintFailed: boolean;
}

/** What to plan, besides the migrations. */
export interface PlanReportOptions {
  readonly release?: string;
  readonly gates?: { readonly afterExpand?: boolean; readonly beforeContract?: boolean };
  readonly lintConfig?: LintConfig;
  /** Rows a second for the backfill estimate when the database has no finished backfill to measure. */
  readonly backfillRate?: number;
}

/** The backfill rate assumed when none is measured or given (rows a second; conservative, see docs/benchmarks.md). */
export const DEFAULT_BACKFILL_RATE = 100_000;

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 97)}...` : flat;
}

/** Lock and effect of every statement of the pending migrations; the tracker reads every migration in order. */
function planMigrations(migrations: readonly Migration[], pending: ReadonlySet<string>): PlannedMigration[] {
  const tracker = new SchemaTracker();
  const planned: PlannedMigration[] = [];
  for (const migration of migrations) {
    if (migration.kind === 'backfill') {
      if (!pending.has(migration.id)) continue;
      const { table, batchSize, sync } = migration.spec;
      planned.push({
        id: migration.id,
        file: migration.file,
        phase: migration.phase,
        transaction: true,
        statements: [],
        backfill: { table, ...(batchSize ? { batchSize } : {}), sync: sync === true },
      });
      continue;
    }
    tracker.beginMigration(migration.up.transaction);
    const statements: PlannedStatement[] = [];
    for (const statement of migration.up.statements) {
      if (pending.has(migration.id)) {
        const { lock, effect, tables } = statementLock(statement, tracker);
        statements.push({ line: statement.line, sql: oneLine(statement.sql), lock, effect, tables });
      }
      tracker.observe(statement.node);
    }
    if (pending.has(migration.id)) {
      planned.push({
        id: migration.id,
        file: migration.file,
        phase: migration.phase,
        transaction: migration.up.transaction,
        statements,
      });
    }
  }
  return planned;
}

/** Sizes and row estimates of the tables, read-only. */
async function readTables(client: pg.ClientBase, names: readonly string[]): Promise<TouchedTable[]> {
  const { rows } = await client.query<{ name: string; bytes: string | null; tuples: number | null }>(
    `SELECT n.name, pg_total_relation_size(c.oid)::text AS bytes, c.reltuples::float8 AS tuples
       FROM unnest($1::text[]) AS n(name) LEFT JOIN pg_class c ON c.oid = to_regclass(n.name)`,
    [names],
  );
  return rows.map((r) => ({
    name: r.name,
    exists: r.bytes !== null,
    ...(r.bytes !== null ? { totalBytes: Number(r.bytes) } : {}),
    // -1 (PostgreSQL 14+) or 0 with no pages: never vacuumed or analyzed, the estimate means nothing
    ...(r.tuples !== null && r.tuples >= 0 ? { rowEstimate: Math.round(r.tuples) } : {}),
  }));
}

function gatesOf(options: PlanReportOptions): PlanReport['gates'] {
  return [
    ...(options.gates?.afterExpand ? [{ gate: 'afterExpand' as const, after: 'expand' as const }] : []),
    ...(options.gates?.beforeContract !== false
      ? [{ gate: 'beforeContract' as const, after: 'backfill' as const }]
      : []),
  ];
}

function byPhase(planned: readonly PlannedMigration[]): PlanReport['phases'] {
  return {
    expand: planned.filter((m) => m.phase === 'expand'),
    backfill: planned.filter((m) => m.phase === 'backfill'),
    contract: planned.filter((m) => m.phase === 'contract'),
  };
}

async function lintPending(
  migrations: readonly Migration[],
  pending: ReadonlySet<string>,
  options: PlanReportOptions,
  pgVersion?: number,
) {
  const findings = await lintMigrations(migrations, {
    only: [...pending],
    config: options.lintConfig,
    ...(pgVersion ? { pgVersion } : {}),
  });
  return { findings, lintFailed: hasErrors(findings) };
}

/**
 * Plans from the files alone: every migration is pending, each statement with the lock it takes and
 * whether it rewrites or scans its table, the gates, the lint findings.
 *
 * @example
 * const report = await planFromFiles(await loadMigrations('migrations'), { release: 'v42' });
 */
export async function planFromFiles(
  migrations: readonly Migration[],
  options: PlanReportOptions = {},
): Promise<PlanReport> {
  const pending = new Set(migrations.map((m) => m.id));
  return {
    ...(options.release ? { release: options.release } : {}),
    source: 'files',
    applied: 0,
    phases: byPhase(planMigrations(migrations, pending)),
    gates: gatesOf(options),
    tables: [],
    ...(await lintPending(migrations, pending, options)),
  };
}

/**
 * Plans against a database, read-only (one `READ ONLY` transaction, rolled back): the migrations not
 * yet applied, the tables they touch with their sizes and row estimates, and each backfill's estimated
 * time from its table's row estimate and the rate of the backfills already done (else the configured
 * rate). Refuses drift as `up` does.
 *
 * @example
 * const report = await planFromDatabase(client, migrations, { release: 'v42' });
 */
export async function planFromDatabase(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  options: PlanReportOptions = {},
): Promise<PlanReport> {
  await client.query('BEGIN TRANSACTION READ ONLY');
  try {
    const applied: AppliedMigration[] = await readApplied(client);
    assertNoDrift(migrations, applied);
    const pendingIds = pendingMigrations(migrations, applied, { phases: ['expand', 'backfill', 'contract'] });
    const pending = new Set(pendingIds.map((m) => m.id));
    const planned = planMigrations(migrations, pending);
    const names = [
      ...new Set(
        planned.flatMap((m) => [
          ...m.statements.flatMap((s) => s.tables),
          ...(m.backfill ? [m.backfill.table] : []),
        ]),
      ),
    ];
    const tables = names.length > 0 ? await readTables(client, names) : [];
    const measured = await readFinishedBackfillRate(client);
    // the rules whose truth changes across majors lint for the server the migrations will run on
    const { rows: server } = await client.query<{ num: number }>(
      "SELECT current_setting('server_version_num')::int AS num",
    );
    const pgVersion = Math.floor(Number(server[0]?.num ?? 0) / 10000) || undefined;
    const backfillRate =
      options.backfillRate !== undefined
        ? { rowsPerSecond: options.backfillRate, source: 'configured' as const }
        : measured !== undefined
          ? { rowsPerSecond: measured, source: 'measured' as const }
          : { rowsPerSecond: DEFAULT_BACKFILL_RATE, source: 'configured' as const };
    const rowsOf = new Map(tables.map((t) => [t.name, t.rowEstimate]));
    const estimated = planned.map((m) => {
      const rows = m.backfill ? rowsOf.get(m.backfill.table) : undefined;
      if (!m.backfill || rows === undefined) return m;
      return {
        ...m,
        backfill: { ...m.backfill, estimatedSeconds: Math.ceil(rows / backfillRate.rowsPerSecond) },
      };
    });
    return {
      ...(options.release ? { release: options.release } : {}),
      source: 'database',
      applied: applied.length,
      phases: byPhase(estimated),
      gates: gatesOf(options),
      tables,
      backfillRate,
      ...(await lintPending(migrations, pending, options, pgVersion)),
    };
  } finally {
    await client.query('ROLLBACK');
  }
}
