import type pg from 'pg';
import { removeSyncTriggers } from '../backfill/sync-trigger.ts';
import type { ConnectionOptions } from '../db/connection.ts';
import { type GuardedDb, guard, type LockRetryPolicy } from '../db/guarded.ts';
import { type DetachedReport, detachedStatements, driveDetached } from '../detached/drive.ts';
import { MigrationFailed } from '../errors.ts';
import type { Log } from '../log.ts';
import { compareVersions } from '../migrations/filename.ts';
import { assertInOrder, describeScript, pendingMigrations } from '../migrations/pending.ts';
import type { Migration, Phase, SchemaMigration } from '../migrations/types.ts';
import {
  assertNoDrift,
  clearPartialProgress,
  readApplied,
  readPartialProgress,
  recordApplied,
  recordAppliedSql,
  savePartialProgress,
} from '../state/records.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { assertVersionedSchemaSupported, createVersion, retireOlderVersions } from '../versions/lifecycle.ts';
import { runScript } from './execute-script.ts';

/** What every runner call needs. */
export interface RunnerOptions {
  /** Who applies: the workflow execution id, or the CLI's run id. Recorded with each migration. */
  readonly executionId: string;
  readonly log: Log;
  readonly retry?: Partial<LockRetryPolicy>;
  /** Run nothing: each result carries the SQL that would run (`sql`), shown as it is reached (`showSql`). */
  readonly dryRun?: boolean;
  /** Dry runs: where the SQL of each step goes as the run reaches it (the CLI: stdout). @default log.info */
  readonly showSql?: (sql: string) => void;
  /** Recorded with each applied migration when a person overrode lint errors. */
  readonly lintOverride?: string;
}

/** Shows a dry run's step where `showSql` says (through `log.info` without it). */
export function showDryRunSql(options: RunnerOptions, sql: string): void {
  if (options.showSql) options.showSql(sql);
  else options.log.info(sql);
}

/** One migration the runner applied (or would apply in a dry run). */
export interface AppliedResult {
  readonly id: string;
  readonly file: string;
  readonly phase: Phase;
  readonly durationMs: number;
  /** Dry runs: the SQL that would run, as `describeScript` writes it. */
  readonly sql?: string;
}

/** How {@link applyMigration} and {@link applyPending} ended: applied, or a detached statement still running. */
export type ApplyOutcome =
  | { readonly status: 'applied'; readonly result: AppliedResult }
  | { readonly status: 'running'; readonly detached: DetachedReport };

/** Options of {@link applyMigration}. */
export interface ApplyOptions extends RunnerOptions {
  /**
   * How the sessions of detached statements (named CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT)
   * connect. Without it they run inline on `client`, still without lock_timeout.
   */
  readonly connection?: ConnectionOptions;
  /** Time this call may wait on a detached statement before returning `running`. @default no limit */
  readonly budgetMs?: number;
  /** Called about every few seconds while waiting (the task renews its lease there). */
  readonly onWait?: () => Promise<void>;
  /** How often to look at a detached statement another process runs. @default 1000 */
  readonly pollMs?: number;
}

/**
 * Applies one expand or contract migration and records it. A transactional script runs in one
 * transaction with its record. Otherwise statements run one by one with progress saved after each, so
 * that a rerun resumes where an interrupted one stopped; a detached statement (see
 * `detachedStatements`) runs on its own session without lock_timeout, and when `budgetMs` is spent
 * before it ends the call returns `running` with its progress: a later call (the workflow's poll loop)
 * finds it running, finished or gone (started again). This is the one way a migration is applied, by
 * `zerodown up` and the workflow's Expand and Contract tasks alike.
 *
 * @example
 * const outcome = await applyMigration(guard(client, { log }), migration, { executionId, log, connection, budgetMs: 600_000 });
 * if (outcome.status === 'running') return { done: false, building: outcome.detached };
 */
export async function applyMigration(
  db: GuardedDb,
  migration: SchemaMigration,
  options: ApplyOptions,
): Promise<ApplyOutcome> {
  const { client } = db;
  const started = performance.now();
  const deadline = Date.now() + (options.budgetMs ?? Number.POSITIVE_INFINITY);
  const statements = migration.up.statements;
  const detached = options.connection ? detachedStatements(migration) : new Map();
  // Stepwise (progress saved per statement) outside a transaction, and whenever a statement runs detached:
  // a transactional migration has one only when that statement is all it holds.
  const stepwise = !migration.up.transaction || detached.size > 0;
  const record = async (c: pg.ClientBase) => {
    await recordApplied(c, migration, {
      executionId: options.executionId,
      durationMs: performance.now() - started,
      lintOverride: options.lintOverride,
    });
    if (stepwise) await clearPartialProgress(c, migration);
  };
  const context = { file: migration.file };
  const partial = stepwise ? await readPartialProgress(client, migration) : { done: 0 };
  let done = partial.done;
  if (partial.changedAfter !== undefined) {
    options.log.warn(
      `${migration.file} changed after an earlier attempt applied its first ${partial.changedAfter} statement(s): it runs again from the top, so its statements must be safe to repeat (IF NOT EXISTS, IF EXISTS); if they are not, undo what ran first or restore the file`,
    );
  }
  if (done > 0)
    options.log.info(`${migration.file}: resuming after statement ${done} (applied by an earlier attempt)`);
  if (detached.size === 0) {
    await runScript(db, migration.up, {
      ...context,
      skipStatements: done,
      onStatementDone: (count) => savePartialProgress(client, migration, count, options.executionId),
      finish: record,
      // one transaction: its record goes with its COMMIT (one round trip fewer a migration)
      finishSql: () =>
        recordAppliedSql(migration, {
          executionId: options.executionId,
          durationMs: performance.now() - started,
          lintOverride: options.lintOverride,
        }),
    });
  } else {
    while (done < statements.length) {
      const target = detached.get(done);
      if (target) {
        const outcome = await driveDetached(
          db,
          migration,
          done,
          target,
          { ...options, connection: options.connection! },
          deadline,
        );
        if (outcome !== 'done') return { status: 'running', detached: outcome };
        options.log.info(
          `${migration.file}: ${target.kind === 'index' ? `index ${target.name} is built and valid` : `constraint ${target.name} is validated`}`,
        );
        done += 1;
        await savePartialProgress(client, migration, done, options.executionId);
        continue;
      }
      let next = done;
      while (next < statements.length && !detached.has(next)) next++;
      await runScript(
        db,
        { ...migration.up, statements: statements.slice(0, next) },
        {
          ...context,
          skipStatements: done,
          onStatementDone: (count) => savePartialProgress(client, migration, count, options.executionId),
          finish: async () => undefined,
        },
      );
      done = next;
    }
    await record(client);
  }
  const durationMs = performance.now() - started;
  options.log.info(`applied ${migration.file} in ${Math.round(durationMs)}ms`, {
    file: migration.file,
    durationMs,
  });
  return {
    status: 'applied',
    result: { id: migration.id, file: migration.file, phase: migration.phase, durationMs },
  };
}

/**
 * Before a contract migration runs: refuses it while a backfill up to its version has not finished
 * (contract removes what the old application version still needs; `whatToRun` says how to finish it),
 * then (unless a dry run) drops the sync triggers of the finished backfills up to it, which read the old
 * columns contract drops. Used by `applyPending`.
 *
 * @example
 * await prepareContract(guard(client, { log }), migrations, migration, { applied, whatToRun: 'run "zerodown backfill" first' });
 */
export async function prepareContract(
  db: GuardedDb,
  migrations: readonly Migration[],
  migration: Migration,
  options: { applied: ReadonlySet<string>; whatToRun: string; dryRun?: boolean },
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
  if (!options.dryRun) await removeSyncTriggers(db, migrations, { upToVersion: migration.version });
}

/** What {@link applyPending} did. */
export interface PhaseResult {
  /** Applied by this call, in order. */
  readonly applied: AppliedResult[];
  /** Backfill migrations it passed over (the backfill engine runs them). */
  readonly skippedBackfills: Migration[];
  /** A detached statement still running when the budget ran out (the migrations after it wait). */
  readonly running: DetachedReport | null;
}

/**
 * Applies the pending expand or contract migrations of the given phases, in order, each with
 * {@link applyMigration}: the one phase applier of `zerodown up` and the workflow's Expand and Contract
 * tasks. Refuses drift first; a contract migration passes `prepareContract` first. Backfill migrations
 * are not applied here (the backfill engine runs them); they are returned in `skippedBackfills`. Stops
 * at a detached statement still running at the end of `budgetMs` (`running`).
 *
 * @example
 * const result = await applyPending(client, migrations, { phases: ['expand'], executionId: 'cli-1', log, connection });
 */
export async function applyPending(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  options: ApplyOptions & {
    phases: readonly Phase[];
    to?: string;
    /** Only these migration ids (the workflow's plan), in file order. @default every pending one */
    only?: readonly string[];
    /** What the contract guard tells a person to run first. @default 'run "zerodown backfill" first' */
    whatToRunFirst?: string;
    /** Apply an expand migration older than applied ones (see `assertInOrder`). @default false */
    outOfOrder?: boolean;
    /**
     * Dry runs only: ids an earlier step of the same dry run would have applied (a backfill between
     * expand and contract), taken as applied, so the run shows what follows instead of refusing it.
     */
    wouldBeApplied?: readonly string[];
    /**
     * A versioned release (docs/versioned-schemas.md): expand ends by creating the release's schema of
     * views (`createVersion`); contract first drops the older versions' schemas (`retireOlderVersions`).
     */
    versionedSchema?: { readonly release: string };
  },
): Promise<PhaseResult> {
  if (!options.dryRun) await ensureStateSchema(client);
  const db = guard(client, options);
  const applied = await readApplied(client);
  assertNoDrift(migrations, applied);
  if (options.phases.includes('expand')) assertInOrder(migrations, applied, options);
  const only = options.only ? new Set(options.only) : undefined;
  const done = new Set(applied.map((a) => a.id));
  if (options.dryRun) for (const id of options.wouldBeApplied ?? []) done.add(id);
  const pending = pendingMigrations(migrations, applied, options).filter(
    (m) => (!only || only.has(m.id)) && !done.has(m.id),
  );
  const results: AppliedResult[] = [];
  const skippedBackfills: Migration[] = [];
  const versioned = options.versionedSchema && !options.dryRun ? options.versionedSchema : undefined;
  // refused before anything is applied, not after the expand
  if (versioned && options.phases.includes('expand')) await assertVersionedSchemaSupported(client);
  let retired = false;
  for (const migration of pending) {
    if (migration.kind === 'backfill') {
      skippedBackfills.push(migration);
      continue;
    }
    if (migration.phase === 'contract') {
      await prepareContract(db, migrations, migration, {
        applied: done,
        whatToRun: options.whatToRunFirst ?? 'run "zerodown backfill" first',
        dryRun: options.dryRun,
      });
      // the old version's views read the columns contract drops: after the gate nothing uses them
      if (versioned && !retired) {
        await retireOlderVersions(db, { release: versioned.release, executionId: options.executionId });
        retired = true;
      }
    }
    if (options.dryRun) {
      const sql = `-- ${migration.file} (${migration.phase})\n${describeScript(migration.up)}`;
      showDryRunSql(options, sql);
      results.push({ id: migration.id, file: migration.file, phase: migration.phase, durationMs: 0, sql });
      done.add(migration.id);
      continue;
    }
    const outcome = await applyMigration(db, migration, options);
    if (outcome.status === 'running')
      return { applied: results, skippedBackfills, running: outcome.detached };
    results.push(outcome.result);
    done.add(migration.id);
  }
  if (versioned && options.phases.includes('expand')) {
    await createVersion(db, migrations, { release: versioned.release, executionId: options.executionId });
  }
  return { applied: results, skippedBackfills, running: null };
}
