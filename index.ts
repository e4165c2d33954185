/**
 * `zerodown`: the engine, for people who script it. Load and lint migrations, plan a release, apply
 * a phase under the migration locks, run backfills, read status; the `zerodown` CLI is built from the
 * same parts. Every function takes a plain `pg` client (a `pg.Client` or a pool client) on the
 * database being migrated. The CDK construct is `zerodown/cdk`.
 *
 * @example
 * import pg from 'pg';
 * import { applyRelease, holdMigrationLocks, loadMigrations, newRunId, silentLog } from 'zerodown';
 *
 * const connection = { connectionString: process.env.DATABASE_URL! };
 * const client = new pg.Client(connection);
 * await client.connect();
 * const migrations = await loadMigrations('migrations');
 * const executionId = newRunId('script');
 * await holdMigrationLocks(client, connection, { owner: executionId, log: silentLog }, () =>
 *   applyRelease(client, migrations, { phase: 'expand', executionId, log: silentLog, connection }),
 * );
 */

export {
  type BackfillJob,
  type BackfillProgress,
  type BackfillSpec,
  finishBackfill,
  prepareBackfill,
  runBackfillChunk,
  runBackfillToCompletion,
  undoBackfill,
} from './core/backfill/index.ts';
export {
  type ConnectionOptions,
  DEFAULT_LOCK_TIMEOUT_MS,
  describeConnection,
  openConnection,
} from './core/db/connection.ts';
export { formatDuration, parseDuration } from './core/duration.ts';
export * from './core/errors.ts';
export {
  formatFindings,
  hasErrors,
  LINT_RULES,
  type LintConfig,
  type LintFinding,
  type LintPhase,
  type LintRule,
  lintBeforeApply,
  lintMigrations,
  lintPaths,
  lintSources,
  loadLintConfig,
} from './core/lint/index.ts';
export { holdMigrationLocks, newRunId } from './core/locks/hold.ts';
export { type Log, silentLog } from './core/log.ts';
export { loadMigrationFile, loadMigrations } from './core/migrations/load.ts';
export { pendingMigrations } from './core/migrations/pending.ts';
export {
  type BackfillMigration,
  type Migration,
  PHASES,
  type Phase,
  type SchemaMigration,
} from './core/migrations/types.ts';
export { type ExecutionPlan, type PlanRequest, planExecution } from './core/plan/plan.ts';
export {
  type ApplyOptions,
  type ApplyOutcome,
  applyMigration,
  applyPending,
  type PhaseResult,
} from './core/runner/apply.ts';
export { applyRelease, type ReleaseOptions } from './core/runner/release.ts';
export { rollback, selectForRollback } from './core/runner/rollback.ts';
export { type AppliedMigration, readApplied } from './core/state/records.ts';
export { ensureStateSchema } from './core/state/schema.ts';
export { type DatabaseStatus, type MigrationStatus, readStatus } from './core/state/status.ts';
export { readVersions, type SchemaVersion } from './core/state/versions.ts';
export { createVersion, dropVersion, retireOlderVersions } from './core/versions/lifecycle.ts';
export { versionedConnection, versionSchemaName, versionSearchPath } from './core/versions/names.ts';
