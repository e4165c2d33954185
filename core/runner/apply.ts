import type pg from 'pg';
import { removeSyncTriggers } from '../backfill/sync-trigger.ts';
import { MigrationFailed } from '../errors.ts';
import type { Log } from '../log.ts';
import { compareVersions } from '../migrations/filename.ts';
import type { Migration, Phase, SchemaMigration, SqlScript } from '../migrations/types.ts';
import {
  type AppliedMigration,
  assertNoDrift,
  clearPartialProgress,
  readApplied,
  readPartialProgress,
  recordApplied,
  savePartialProgress,
} from '../state/records.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { runScript } from './execute-script.ts';
import type { LockRetryPolicy } from './lock-retry.ts';

/** What every runner call needs. */
export interface RunnerOptions {
  /** Who applies: the workflow execution id, or the CLI's run id. Recorded with each migration. */
  readonly executionId: string;
  readonly log: Log;
  readonly retry?: Partial<LockRetryPolicy>;
  /** Print the SQL (through `log.info`) and run nothing. */
  readonly dryRun?: boolean;
  /** Recorded with each applied migration when a person overrode lint errors. */
  readonly lintOverride?: string;
}

/** One migration the runner applied (or would apply in a dry run). */
export interface AppliedResult {
  readonly id: string;
  readonly file: string;
  readonly phase: Phase;
  readonly durationMs: number;
}

/** Pending migrations of the given phases, in order, up to and including version `to`. */
export function pendingMigrations(
  migrations: readonly Migration[],
  applied: readonly AppliedMigration[],
  options: { phases: readonly Phase[]; to?: string },
): Migration[] {
  const done = new Set(applied.map((a) => a.id));
  return migrations.filter(
    (m) =>
      options.phases.includes(m.phase) &&
      !done.has(m.id) &&
      (options.to === undefined || compareVersions(m.version, options.to) <= 0),
  );
}

/** Describes a script for a dry run. */
export function describeScript(script: SqlScript): string {
  const header = script.transaction
    ? '-- in one transaction'
    : `-- outside a transaction (${script.noTransactionReason})`;
  return [header, ...script.statements.map((s) => `${s.sql};`)].join('\n');
}

/**
 * Applies one expand or contract migration and records it: in the same transaction for transactional
 * scripts; after the last statement otherwise, with progress saved after each statement so that a
 * rerun resumes where an interrupted one stopped.
 *
 * @example
 * await applySchemaMigration(client, migration, { executionId: 'cli-1', log });
 */
export async function applySchemaMigration(
  client: pg.ClientBase,
  migration: SchemaMigration,
  options: RunnerOptions,
): Promise<AppliedResult> {
  const started = performance.now();
  const skip = migration.up.transaction ? 0 : await readPartialProgress(client, migration);
  if (skip > 0)
    options.log.info(`${migration.file}: resuming after statement ${skip} (applied by an earlier attempt)`);
  await runScript(client, migration.up, {
    file: migration.file,
    log: options.log,
    retry: options.retry,
    skipStatements: skip,
    onStatementDone: (done) => savePartialProgress(client, migration, done, options.executionId),
    finish: async (c) => {
      await recordApplied(c, migration, {
        executionId: options.executionId,
        durationMs: performance.now() - started,
        lintOverride: options.lintOverride,
      });
      if (!migration.up.transaction) await clearPartialProgress(c, migration);
    },
  });
  const durationMs = performance.now() - started;
  options.log.info(`applied ${migration.file} in ${Math.round(durationMs)}ms`, {
    file: migration.file,
    durationMs,
  });
  return { id: migration.id, file: migration.file, phase: migration.phase, durationMs };
}

/**
 * Applies the pending expand or contract migrations, in order. Refuses drift first. Backfill migrations
 * are not applied here (the backfill engine runs them); they are returned in `skippedBackfills`.
 *
 * @example
 * const result = await applyPending(client, migrations, { phases: ['expand'], executionId: 'cli-1', log });
 */
/**
 * Before a contract migration runs: refuses it while a backfill up to its version has not finished
 * (contract removes what the old application version still needs; `whatToRun` says how to finish it),
 * then (unless a dry run) drops the sync triggers of the finished backfills up to it, which read the old
 * columns contract drops. Used by `applyPending` (the CLI) and the workflow's Contract task.
 *
 * @example
 * await prepareContract(client, migrations, migration, { applied, whatToRun: 'run "zerodown backfill" first', log });
 */
export async function prepareContract(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  migration: Migration,
  options: { applied: ReadonlySet<string>; whatToRun: string; log: Log; dryRun?: boolean },
): Promise<void> {
  const unfinished = migrations.find(
    (m) =>
      m.kind === 'backfill' &&
      !options.applied.has(m.id) &&
      compareVersions(m.version, migration.version) <= 0,
  );
  if (unfinished) {
    throw new MigrationFailed(
      migration.file,
      `${migration.file} cannot run before the backfill ${unfinished.file} has finished: contract removes what the old application version still needs; ${options.whatToRun}`,
    );
  }
  if (!options.dryRun)
    await removeSyncTriggers(client, migrations, { upToVersion: migration.version, log: options.log });
}

export async function applyPending(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  options: RunnerOptions & { phases: readonly Phase[]; to?: string },
): Promise<{ applied: AppliedResult[]; skippedBackfills: Migration[] }> {
  if (!options.dryRun) await ensureStateSchema(client);
  const applied = await readApplied(client);
  assertNoDrift(migrations, applied);
  const pending = pendingMigrations(migrations, applied, options);
  const done = new Set(applied.map((a) => a.id));
  const results: AppliedResult[] = [];
  const skippedBackfills: Migration[] = [];
  for (const migration of pending) {
    if (migration.kind === 'backfill') {
      skippedBackfills.push(migration);
      continue;
    }
    if (migration.phase === 'contract') {
      await prepareContract(client, migrations, migration, {
        applied: done,
        whatToRun: 'run "zerodown backfill" first',
        log: options.log,
        dryRun: options.dryRun,
      });
    }
    if (options.dryRun) {
      options.log.info(`-- ${migration.file} (${migration.phase})\n${describeScript(migration.up)}`);
      results.push({ id: migration.id, file: migration.file, phase: migration.phase, durationMs: 0 });
      continue;
    }
    results.push(await applySchemaMigration(client, migration, options));
  }
  return { applied: results, skippedBackfills };
}
