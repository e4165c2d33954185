import type pg from 'pg';
import { undoBackfill } from '../backfill/undo.ts';
import { guard } from '../db/guarded.ts';
import { IrreversibleMigration } from '../errors.ts';
import { compareVersions } from '../migrations/filename.ts';
import { describeScript } from '../migrations/pending.ts';
import type { Migration } from '../migrations/types.ts';
import {
  type AppliedMigration,
  assertNoDrift,
  readApplied,
  recordEvent,
  recordRolledBack,
} from '../state/records.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { dropVersion } from '../versions/lifecycle.ts';
import { type AppliedResult, type RunnerOptions, showDryRunSql } from './apply.ts';
import { runScript } from './execute-script.ts';

/** Which applied migrations to roll back. */
export interface RollbackSelection {
  /** The newest N applied migrations. @default 1 (when neither `to` nor `appliedBy` is given) */
  readonly count?: number;
  /** Every applied migration with a version above this one. */
  readonly to?: string;
  /** Only what this execution applied (the workflow's Rollback state). */
  readonly appliedBy?: string;
}

/** The applied migrations a selection names, newest first. */
export function selectForRollback(
  applied: readonly AppliedMigration[],
  selection: RollbackSelection,
): AppliedMigration[] {
  let candidates = [...applied].reverse();
  if (selection.appliedBy !== undefined)
    candidates = candidates.filter((a) => a.executionId === selection.appliedBy);
  if (selection.to !== undefined)
    candidates = candidates.filter((a) => compareVersions(a.version, selection.to!) > 0);
  const count =
    selection.count ?? (selection.to === undefined && selection.appliedBy === undefined ? 1 : undefined);
  return count === undefined ? candidates : candidates.slice(0, count);
}

async function stop(
  client: pg.ClientBase,
  options: RunnerOptions,
  applied: AppliedMigration,
  reason: string,
): Promise<never> {
  if (options.dryRun) {
    // the error that follows gives the reason: one error line, not the same one twice
    options.log.info(`a rollback would stop at ${applied.file} (dry run: nothing recorded)`);
    throw new IrreversibleMigration(applied.file, reason);
  }
  await recordEvent(client, {
    executionId: options.executionId,
    event: 'rollback_stopped',
    migration: applied,
    detail: reason,
  });
  options.log.info(`rollback stopped at ${applied.file} (recorded in zerodown.events)`);
  throw new IrreversibleMigration(applied.file, reason);
}

/**
 * Rolls back applied migrations, newest first, each in its own transaction (or outside one, as its down
 * requires). A migration without a down stops the rollback with its reason, recorded in `zerodown.events`.
 *
 * @example
 * await rollback(client, migrations, { count: 2, executionId: 'cli-1', log });
 */
export async function rollback(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  options: RunnerOptions &
    RollbackSelection & {
      /** A versioned release: its schema of views is dropped first (they read what the downs drop). */
      versionedSchema?: { readonly release: string };
    },
): Promise<{ rolledBack: AppliedResult[] }> {
  if (!options.dryRun) await ensureStateSchema(client);
  const db = guard(client, options);
  if (options.versionedSchema && !options.dryRun) {
    await dropVersion(db, { release: options.versionedSchema.release, executionId: options.executionId });
  }
  const applied = await readApplied(client);
  assertNoDrift(migrations, applied);
  const byId = new Map(migrations.map((m) => [m.id, m]));
  const rolledBack: AppliedResult[] = [];
  for (const row of selectForRollback(applied, options)) {
    const migration = byId.get(row.id);
    if (!migration)
      await stop(client, options, row, `its file ${row.file} is no longer in the migrations directory`);
    const started = performance.now();
    const markRolledBack = (c: pg.ClientBase) => recordRolledBack(c, row, options.executionId);
    let sql: string | undefined;
    if (migration!.kind === 'backfill') {
      if (options.dryRun) {
        sql = `-- ${migration!.file}: backfill state removed (its column goes with the expand's down)`;
        showDryRunSql(options, sql);
      } else {
        await undoBackfill(db, migration!);
        await markRolledBack(client);
      }
    } else {
      const down = migration!.down;
      if (down.kind === 'irreversible') await stop(client, options, row, down.reason);
      // a backfill of this version that never finished still has its sync trigger, which depends on
      // the columns this down drops
      const backfill = migrations.find((m) => m.kind === 'backfill' && m.version === row.version);
      if (backfill?.kind === 'backfill' && row.phase === 'expand' && !options.dryRun) {
        await undoBackfill(db, backfill);
      }
      if (down.kind !== 'script') continue;
      if (options.dryRun) {
        sql = `-- down of ${migration!.file}\n${describeScript(down.script)}`;
        showDryRunSql(options, sql);
      } else {
        await runScript(db, down.script, { file: migration!.file, finish: markRolledBack });
      }
    }
    const durationMs = performance.now() - started;
    if (!options.dryRun) options.log.info(`rolled back ${migration!.file} in ${Math.round(durationMs)}ms`);
    rolledBack.push({
      id: row.id,
      file: migration!.file,
      phase: row.phase,
      durationMs,
      ...(sql !== undefined ? { sql } : {}),
    });
  }
  return { rolledBack };
}
