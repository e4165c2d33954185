import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backfillFile, createUsersTable } from '../support/backfill-fixtures.ts';
import { useFreshDatabase } from '../support/database.ts';

const db = useFreshDatabase();
const ROWS = 200_000;
const WORKER = fileURLToPath(new URL('../support/backfill-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the backfill in its own process; with a point, the process SIGKILLs itself there. */
function worker(file: string, kill?: [point: string, nth: number]) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', WORKER, db.url, file, ...(kill ? [kill[0], String(kill[1])] : [])],
        { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    },
  );
}

async function rowsDone(version: string): Promise<number> {
  const { rows } = await db.client.query(
    "SELECT coalesce(sum(rows_done), 0)::int AS n FROM zerodown.backfills WHERE version = $1 AND to_regclass('zerodown.backfills') IS NOT NULL",
    [version],
  );
  return rows[0].n;
}

describe('backfill killed with SIGKILL', () => {
  it('resumes after a kill at each of seven points and ends with the same table as an uninterrupted run', async () => {
    // GIVEN two identical tables, each with its backfill (two partitions, sync trigger)
    await createUsersTable(db.client, 'kill_a', ROWS);
    await createUsersTable(db.client, 'kill_b', ROWS);
    const spec = (table: string) => ({
      table,
      set: { display_name: "upper(username) || '#' || id" },
      partitions: 2,
      sync: true,
    });
    const interrupted = await backfillFile('1_kill_a.backfill.json', spec('kill_a'));
    const reference = await backfillFile('2_kill_b.backfill.json', spec('kill_b'));

    // WHEN the backfill of kill_a is killed at seven different points, restarted after each
    const points: [string, number][] = [
      ['prepare', 1],
      ['probe', 3],
      ['update-done', 4],
      ['commit', 5],
      ['update-running', 6],
      ['committed', 7],
      ['finish', 1],
    ];
    const progress: number[] = [];
    for (const point of points) {
      const run = await worker(interrupted.path, point);
      expect(run.signal, `${point[0]}: ${run.stderr}`).toBe('SIGKILL');
      progress.push(point[0] === 'prepare' ? 0 : await rowsDone('1'));
    }
    const last = await worker(interrupted.path);
    expect(last.code, last.stderr).toBe(0);
    // and kill_b's runs without interruption
    const straight = await worker(reference.path);
    expect(straight.code, straight.stderr).toBe(0);

    // THEN progress only moved forward, most kills landed in the middle of the work
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(progress.filter((n) => n > 0 && n < ROWS).length).toBeGreaterThanOrEqual(4);
    // the kill before the applied record left every partition done
    expect(progress.at(-1)).toBe(ROWS);
    // and the two tables are the same, every row written exactly once
    const difference = await db.client.query(`
      SELECT count(*)::int AS n FROM (
        (SELECT id, username, display_name, backfilled FROM kill_a EXCEPT SELECT id, username, display_name, backfilled FROM kill_b)
        UNION ALL
        (SELECT id, username, display_name, backfilled FROM kill_b EXCEPT SELECT id, username, display_name, backfilled FROM kill_a)
      ) d`);
    expect(difference.rows[0].n).toBe(0);
    const rows = await db.client.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE backfilled = 1 AND display_name = upper(username) || '#' || id)::int AS once FROM kill_a`,
    );
    expect(rows.rows[0]).toEqual({ total: ROWS, once: ROWS });
    const applied = await db.client.query(
      "SELECT version FROM zerodown.migrations WHERE phase = 'backfill' AND rolled_back_at IS NULL ORDER BY version",
    );
    expect(applied.rows.map((r) => r.version)).toEqual(['1', '2']);
  });
});
