import type pg from 'pg';
import { type BackfillProgress, readBackfillProgress } from '../backfill/state.ts';
import { listOpenGates } from '../gates/gates.ts';
import { type Lease, LeaseLock } from '../locks/lease.ts';
import { compareMigrations } from '../migrations/filename.ts';
import type { Migration, Phase } from '../migrations/types.ts';
import { readAllPartialProgress, readApplied, readLastEvent } from './records.ts';
import { readStateVersion } from './schema.ts';
import { readVersions } from './versions.ts';

/** One line of `zerodown status`. */
export interface MigrationStatus {
  readonly id: string;
  readonly version: string;
  readonly name: string;
  readonly phase: Phase;
  readonly file: string;
  /** applied; pending; drifted (file changed after it was applied); missing (applied, file gone). */
  readonly state: 'applied' | 'pending' | 'drifted' | 'missing';
  readonly appliedAt?: string;
  readonly executionId?: string;
  /** Statements done by an interrupted non-transactional attempt. */
  readonly partialStatements?: number;
  /** A backfill's progress over all its partitions, once it has started. */
  readonly backfill?: BackfillStatus;
}

/** Progress of a started backfill, summed over its partitions (times as ISO strings). */
export type BackfillStatus = Omit<BackfillProgress, 'version' | 'updatedAt'> & { readonly updatedAt: string };

/** What `zerodown status` reports. */
export interface DatabaseStatus {
  readonly migrations: MigrationStatus[];
  readonly lock:
    | (Omit<Lease, 'acquiredAt' | 'heartbeatAt' | 'expiresAt'> & { acquiredAt: string; expiresAt: string })
    | null;
  readonly lastRollbackStop: { at: string; file: string | null; reason: string | null } | null;
  /** Gates a workflow waits at now (undecided). */
  readonly openGates: { release: string; gate: string; openedAt: string; heartbeatAt: string | null }[];
  /** Versioned schemas, oldest first: live ones with the search_path of their version, and retired ones. */
  readonly versions: {
    release: string;
    schema: string;
    createdAt: string;
    /** What the version connects with; null once retired. */
    searchPath: string | null;
    retiredAt: string | null;
    retiredBecause: 'contract' | 'rollback' | null;
  }[];
}

/**
 * Reads the state of every migration (files and database together), the lock, and the last rollback stop.
 *
 * @example
 * const status = await readStatus(client, await loadMigrations('migrations'));
 */
export async function readStatus(
  client: pg.ClientBase,
  migrations: readonly Migration[],
): Promise<DatabaseStatus> {
  const hasState = (await readStateVersion(client)) > 0;
  // the state tables come and go together: with no state schema there is nothing to read
  const applied = hasState ? await readApplied(client) : [];
  const appliedById = new Map(applied.map((a) => [a.id, a]));
  const partial = new Map<string, number>();
  let lock: DatabaseStatus['lock'] = null;
  let lastRollbackStop: DatabaseStatus['lastRollbackStop'] = null;
  const backfills = new Map<string, BackfillStatus>();
  const openGates: DatabaseStatus['openGates'] = [];
  const versions: DatabaseStatus['versions'] = [];
  if (hasState) {
    for (const v of await readVersions(client))
      versions.push({
        release: v.release,
        schema: v.schema,
        createdAt: v.createdAt.toISOString(),
        searchPath: v.retiredAt ? null : `${v.schema}, ${v.baseSchema}`,
        retiredAt: v.retiredAt?.toISOString() ?? null,
        retiredBecause: v.retiredBecause,
      });
    for (const progress of await readBackfillProgress(client)) {
      backfills.set(`${progress.version}.backfill`, {
        rowsDone: progress.rowsDone,
        rowsEstimated: progress.rowsEstimated,
        partitions: progress.partitions,
        partitionsDone: progress.partitionsDone,
        rowsPerSecond: progress.rowsPerSecond === null ? null : Math.round(progress.rowsPerSecond),
        lastError: progress.lastError,
        updatedAt: progress.updatedAt.toISOString(),
      });
    }
    for (const gate of await listOpenGates(client))
      openGates.push({
        release: gate.release,
        gate: gate.gate,
        openedAt: gate.openedAt.toISOString(),
        heartbeatAt: gate.heartbeatAt?.toISOString() ?? null,
      });
    for (const [key, done] of await readAllPartialProgress(client)) partial.set(key, done);
    const lease = await new LeaseLock(client).current();
    if (lease) {
      lock = {
        owner: lease.owner,
        release: lease.release,
        acquiredAt: lease.acquiredAt.toISOString(),
        expiresAt: lease.expiresAt.toISOString(),
      };
    }
    const stop = await readLastEvent(client, 'rollback_stopped');
    if (stop) lastRollbackStop = { at: stop.at.toISOString(), file: stop.file, reason: stop.detail };
  }
  const lines: MigrationStatus[] = migrations.map((m) => {
    const row = appliedById.get(m.id);
    const base = { id: m.id, version: m.version, name: m.name, phase: m.phase, file: m.file };
    const backfill = backfills.get(m.id);
    if (!row) {
      const done = partial.get(m.id);
      return {
        ...base,
        state: 'pending',
        ...(done ? { partialStatements: done } : {}),
        ...(backfill ? { backfill } : {}),
      };
    }
    return {
      ...base,
      ...(backfill ? { backfill } : {}),
      state: row.checksum === m.checksum ? 'applied' : 'drifted',
      appliedAt: row.appliedAt.toISOString(),
      executionId: row.executionId,
    };
  });
  const known = new Set(migrations.map((m) => m.id));
  for (const row of applied.filter((a) => !known.has(a.id))) {
    lines.push({
      id: row.id,
      version: row.version,
      name: row.name,
      phase: row.phase,
      file: row.file,
      state: 'missing',
      appliedAt: row.appliedAt.toISOString(),
      executionId: row.executionId,
    });
  }
  return { migrations: lines.sort(compareMigrations), lock, lastRollbackStop, openGates, versions };
}
