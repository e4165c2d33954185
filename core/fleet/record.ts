import type pg from 'pg';
import { readLatestExecutionEvents, recordEvent } from '../state/records.ts';
import { ensureStateSchema, readStateVersion } from '../state/schema.ts';

/** The event kind of a fleet target's record in its own `zerodown.events`. */
export const TARGET_RECORD_EVENT = 'fleet_target';

/** One step of a target's rollout, as recorded. */
export interface TargetRecordEntry {
  readonly release: string;
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
}

/** A target's last rollout, from its records. */
export interface TargetRollout {
  readonly executionId: string;
  readonly release: string;
  /** The latest status: started, expanded, failed, contracted, rolled_back, held. */
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
  readonly startedAt: Date;
  readonly updatedAt: Date;
  /** From the first record of the rollout to the latest. */
  readonly ms: number;
}

/**
 * Records a step of a fleet rollout in the target's own database (its state schema created if need
 * be): the record stays with the target, so `zerodown fleet status` reads it from there, locally and
 * for a deployed fleet alike. With `onlyIfStarted`, only a target this execution already recorded
 * gets the step (returns whether it was written).
 *
 * @example
 * await recordTargetStep(client, 'arn:…:execution:fleet:e1', { release: 'v42', status: 'expanded' });
 */
export async function recordTargetStep(
  client: pg.ClientBase,
  executionId: string,
  entry: TargetRecordEntry,
  options: { onlyIfStarted?: boolean } = {},
): Promise<boolean> {
  if (options.onlyIfStarted) {
    // the undo of a stopped rollout passes every target; one this execution never reached keeps its record
    const latest = (await readStateVersion(client)) > 0 ? await readTargetRollout(client) : undefined;
    if (latest?.executionId !== executionId) return false;
  }
  await ensureStateSchema(client);
  await recordEvent(client, { executionId, event: TARGET_RECORD_EVENT, detail: JSON.stringify(entry) });
  return true;
}

/**
 * The target's last rollout (the latest execution that recorded one), or undefined when it has none.
 *
 * @example
 * const rollout = await readTargetRollout(client); // { status: 'failed', error: 'MigrationFailed', … }
 */
export async function readTargetRollout(client: pg.ClientBase): Promise<TargetRollout | undefined> {
  if ((await readStateVersion(client)) === 0) return undefined;
  const all = await readLatestExecutionEvents(client, TARGET_RECORD_EVENT);
  const entries = all.map((record) => JSON.parse(record.detail ?? '{}') as TargetRecordEntry);
  // the last attempt: from its last `started` (a retry of the same release starts again)
  const from = Math.max(
    0,
    entries.findLastIndex((entry) => entry.status === 'started'),
  );
  const records = all.slice(from);
  const first = records[0];
  const last = records.at(-1);
  if (!first || !last) return undefined;
  const entry = entries.at(-1)!;
  // a failure stays the target's status (with its error) when the undo of the stopped rollout holds
  // or rolls back the target afterwards
  const failed = entries.slice(from).findLast((record) => record.status === 'failed');
  const shown = failed ?? entry;
  const status = shown.status;
  return {
    executionId: last.executionId,
    release: entry.release,
    status,
    ...(shown.error ? { error: shown.error } : {}),
    ...(shown.cause ? { cause: shown.cause } : {}),
    startedAt: first.at,
    updatedAt: last.at,
    ms: last.at.getTime() - first.at.getTime(),
  };
}
