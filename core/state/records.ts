import type pg from 'pg';
import { escapeLiteral } from 'pg';
import { DriftDetected } from '../errors.ts';
import type { Migration, Phase } from '../migrations/types.ts';

/** A row of `zerodown.migrations` that is applied (not rolled back). */
export interface AppliedMigration {
  readonly rowId: string;
  readonly id: string;
  readonly version: string;
  readonly name: string;
  readonly phase: Phase;
  readonly file: string;
  readonly checksum: string;
  readonly appliedAt: Date;
  readonly durationMs: number;
  readonly executionId: string;
}

/** Applied migrations in the order they were applied. Empty when the state schema does not exist yet. */
export async function readApplied(client: pg.ClientBase): Promise<AppliedMigration[]> {
  const exists = await client.query<{ ok: boolean }>(
    "SELECT to_regclass('zerodown.migrations') IS NOT NULL AS ok",
  );
  if (!exists.rows[0]?.ok) return [];
  const { rows } = await client.query(
    `SELECT id::text AS row_id, version, name, phase, file, checksum, applied_at, duration_ms, execution_id
       FROM zerodown.migrations WHERE rolled_back_at IS NULL ORDER BY id`,
  );
  return rows.map((r) => ({
    rowId: r.row_id,
    id: `${r.version}.${r.phase}`,
    version: r.version,
    name: r.name,
    phase: r.phase,
    file: r.file,
    checksum: r.checksum,
    appliedAt: r.applied_at,
    durationMs: r.duration_ms,
    executionId: r.execution_id,
  }));
}

/** Refuses to go on when an applied migration's file changed since it was applied (drift). */
export function assertNoDrift(
  migrations: readonly Pick<Migration, 'id' | 'checksum' | 'file'>[],
  applied: readonly AppliedMigration[],
): void {
  const byId = new Map(migrations.map((m) => [m.id, m]));
  const drifted = applied.filter((a) => {
    const file = byId.get(a.id);
    return file !== undefined && file.checksum !== a.checksum;
  });
  if (drifted.length > 0) {
    const list = drifted.map(
      (a) => `${byId.get(a.id)!.file} (applied ${a.appliedAt.toISOString()} by ${a.executionId})`,
    );
    throw new DriftDetected(
      `applied migration${drifted.length > 1 ? 's' : ''} changed since ${drifted.length > 1 ? 'they were' : 'it was'} applied: ${list.join(', ')}; restore the file as applied and put the change in a new migration`,
    );
  }
}

/** Records a migration as applied; inside the migration's own transaction when it has one. */
export async function recordApplied(
  client: pg.ClientBase,
  migration: Migration,
  details: { executionId: string; durationMs: number; lintOverride?: string },
): Promise<void> {
  await client.query(recordAppliedSql(migration, details));
}

/**
 * The INSERT of {@link recordApplied} as one statement with its values quoted in, for the migration's
 * own transaction to send with its COMMIT (`runScript`'s `finishSql`).
 */
export function recordAppliedSql(
  migration: Migration,
  details: { executionId: string; durationMs: number; lintOverride?: string },
): string {
  const text = (value: string | undefined) => (value === undefined ? 'NULL' : escapeLiteral(value));
  return `INSERT INTO zerodown.migrations (version, name, phase, file, checksum, duration_ms, execution_id, lint_override)
     VALUES (${[
       text(migration.version),
       text(migration.name),
       text(migration.phase),
       text(migration.file),
       text(migration.checksum),
       String(Math.round(details.durationMs)),
       text(details.executionId),
       text(details.lintOverride),
     ].join(', ')})`;
}

/**
 * Records a migration another tool applied as applied, without running it (`zerodown baseline`): when
 * that tool applied it (now when its history has no time) and how long it took (0 when unknown).
 */
export async function recordBaselined(
  client: pg.ClientBase,
  migration: Pick<Migration, 'version' | 'name' | 'phase' | 'file' | 'checksum'>,
  details: { executionId: string; appliedAt?: Date; durationMs?: number },
): Promise<void> {
  await client.query(
    `INSERT INTO zerodown.migrations (version, name, phase, file, checksum, applied_at, duration_ms, execution_id)
     VALUES ($1, $2, $3, $4, $5, coalesce($6, now()), $7, $8)`,
    [
      migration.version,
      migration.name,
      migration.phase,
      migration.file,
      migration.checksum,
      details.appliedAt ?? null,
      Math.round(details.durationMs ?? 0),
      details.executionId,
    ],
  );
}

/** Marks an applied migration rolled back (its row stays, as history). */
export async function recordRolledBack(
  client: pg.ClientBase,
  migration: Pick<AppliedMigration, 'rowId'>,
  executionId: string,
): Promise<void> {
  await client.query(
    'UPDATE zerodown.migrations SET rolled_back_at = now(), rolled_back_by = $2 WHERE id = $1',
    [migration.rowId, executionId],
  );
}

/** Appends to `zerodown.events`, the tool's own history (rollback stops, partial applies, overrides). */
export async function recordEvent(
  client: pg.ClientBase,
  event: {
    executionId: string;
    event: string;
    migration?: Pick<Migration, 'version' | 'phase' | 'file'>;
    detail?: string;
  },
): Promise<void> {
  await client.query(
    'INSERT INTO zerodown.events (execution_id, event, version, phase, file, detail) VALUES ($1, $2, $3, $4, $5, $6)',
    [
      event.executionId,
      event.event,
      event.migration?.version ?? null,
      event.migration?.phase ?? null,
      event.migration?.file ?? null,
      event.detail ?? null,
    ],
  );
}

/** The latest event of a kind, or undefined. */
export async function readLastEvent(
  client: pg.ClientBase,
  event: string,
): Promise<{ at: Date; file: string | null; detail: string | null } | undefined> {
  const { rows } = await client.query(
    'SELECT at, file, detail FROM zerodown.events WHERE event = $1 ORDER BY id DESC LIMIT 1',
    [event],
  );
  return rows[0];
}

/**
 * Statements of a non-transactional migration that an earlier, interrupted attempt already committed
 * (`done`; 0 when there is none), and, when the file changed since, how many that attempt had done
 * (`changedAfter`): its resume point no longer applies, and the caller says so.
 *
 * @example
 * const { done, changedAfter } = await readPartialProgress(client, migration);
 */
export async function readPartialProgress(
  client: pg.ClientBase,
  migration: Migration,
): Promise<{ done: number; changedAfter?: number }> {
  const { rows } = await client.query<{ checksum: string; statements_done: number }>(
    'SELECT checksum, statements_done FROM zerodown.partial WHERE version = $1 AND phase = $2',
    [migration.version, migration.phase],
  );
  const row = rows[0];
  if (!row) return { done: 0 };
  if (row.checksum === migration.checksum) return { done: row.statements_done };
  return { done: 0, changedAfter: row.statements_done };
}

/** Saves how many statements of a non-transactional migration are committed, after each one. */
export async function savePartialProgress(
  client: pg.ClientBase,
  migration: Migration,
  statementsDone: number,
  executionId: string,
): Promise<void> {
  await client.query(
    `INSERT INTO zerodown.partial (version, phase, checksum, statements_done, execution_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (version, phase) DO UPDATE SET checksum = $3, statements_done = $4, execution_id = $5, updated_at = now()`,
    [migration.version, migration.phase, migration.checksum, statementsDone, executionId],
  );
}

/** Statements done of every migration applied part way, keyed `version.phase`. */
export async function readAllPartialProgress(client: pg.ClientBase): Promise<Map<string, number>> {
  const { rows } = await client.query<{ version: string; phase: string; statements_done: number }>(
    'SELECT version, phase, statements_done FROM zerodown.partial',
  );
  return new Map(rows.map((r) => [`${r.version}.${r.phase}`, r.statements_done]));
}

/** Forgets the progress of a migration once it is applied and recorded. */
export async function clearPartialProgress(client: pg.ClientBase, migration: Migration): Promise<void> {
  await client.query('DELETE FROM zerodown.partial WHERE version = $1 AND phase = $2', [
    migration.version,
    migration.phase,
  ]);
}

/**
 * How often statement `statement` (1-based) of a migration was started on its own session, ever and by
 * this execution: the `event` rows (`index_build_started`, `validation_started`) whose detail begins
 * `statement N (`, as the runner of those statements records them.
 *
 * @example
 * const { ever, thisExecution } = await countStatementStarts(client, { event: 'index_build_started', migration, statement: 2, executionId });
 */
export async function countStatementStarts(
  client: pg.ClientBase,
  starts: {
    event: string;
    migration: Pick<Migration, 'version' | 'phase'>;
    statement: number;
    executionId: string;
  },
): Promise<{ ever: number; thisExecution: number }> {
  const { rows } = await client.query<{ ever: string; mine: string }>(
    `SELECT count(*) AS ever, count(*) FILTER (WHERE execution_id = $4) AS mine FROM zerodown.events
      WHERE event = $1 AND version = $2 AND phase = $3 AND starts_with(detail, $5)`,
    [
      starts.event,
      starts.migration.version,
      starts.migration.phase,
      starts.executionId,
      `statement ${starts.statement} (`,
    ],
  );
  return { ever: Number(rows[0]?.ever ?? 0), thisExecution: Number(rows[0]?.mine ?? 0) };
}

/**
 * The events of a kind that the latest execution recording that kind wrote, oldest first (a fleet
 * target's records of its last rollout).
 *
 * @example
 * const records = await readLatestExecutionEvents(client, 'fleet_target');
 */
export async function readLatestExecutionEvents(
  client: pg.ClientBase,
  event: string,
): Promise<{ at: Date; executionId: string; detail: string | null }[]> {
  const { rows } = await client.query<{ at: Date; execution_id: string; detail: string | null }>(
    `SELECT at, execution_id, detail FROM zerodown.events
      WHERE event = $1 AND execution_id = (SELECT execution_id FROM zerodown.events WHERE event = $1 ORDER BY id DESC LIMIT 1)
      ORDER BY id`,
    [event],
  );
  return rows.map((row) => ({ at: row.at, executionId: row.execution_id, detail: row.detail }));
}
