import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FIXTURE, LOCK_LEVELS, type LockLevel } from '../../core/plan/lock-levels.ts';
import { LOCK_MODES, type LockMode } from '../../core/sql/lock-modes.ts';
import { useFreshDatabase } from '../support/database.ts';

const db = useFreshDatabase();

/** pg_locks' mode names as the lock table writes them: `ShareRowExclusiveLock` -> `SHARE ROW EXCLUSIVE`. */
const modeName = (mode: string) =>
  mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();

/** Runs the example in a transaction that is rolled back; returns the strongest lock on the target and whether its file changed. */
async function observe(level: LockLevel): Promise<{ lock: string; rewritten: boolean }> {
  const client = db.client;
  await client.query('BEGIN');
  try {
    const { rows: before } = await client.query<{ oid: number; file: string }>(
      'SELECT oid::int AS oid, relfilenode::text AS file FROM pg_class WHERE oid = to_regclass($1)',
      [level.target],
    );
    const target = before[0]!;
    await client.query(level.example);
    const { rows: locks } = await client.query<{ mode: string }>(
      'SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = $1 AND granted',
      [target.oid],
    );
    const { rows: after } = await client.query<{ file: string }>(
      'SELECT relfilenode::text AS file FROM pg_class WHERE oid = $1',
      [target.oid],
    );
    const modes = locks
      .map((l) => modeName(l.mode))
      .sort((a, b) => LOCK_MODES.indexOf(b as LockMode) - LOCK_MODES.indexOf(a as LockMode));
    // a dropped relation has no pg_class row and no file to compare
    return { lock: modes[0] ?? 'none', rewritten: after[0] !== undefined && after[0].file !== target.file };
  } finally {
    await client.query('ROLLBACK');
  }
}

const runnable = Object.entries(LOCK_LEVELS).filter(([, level]) => !('notInTransaction' in level));

describe('the lock table against pg_locks', () => {
  beforeAll(async () => {
    await db.client.query(LOCK_FIXTURE);
  });

  it.each(runnable)(
    '%s: PostgreSQL takes the lock and rewrites (or not) as the table says',
    async (_id, level) => {
      // GIVEN the fixture tables WHEN the row's example runs in a transaction
      const seen = await observe(level);
      // THEN the strongest lock on its table is the row's, and the table's file changed only for a rewrite
      expect(seen.lock).toBe(level.lock);
      expect(seen.rewritten).toBe(level.effect === 'rewrite');
    },
  );

  it('checks most of the table (the rest cannot run in a transaction)', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(Object.keys(LOCK_LEVELS).length - 5);
  });
});
