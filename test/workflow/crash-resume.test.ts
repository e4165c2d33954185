import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LocalRunEvent } from '../../cli/local-runner/events.ts';
import { NO_CDK_APP, runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { leaseOwner } from './support/scenario.ts';

// `zerodown run --local` killed with SIGKILL in the middle of a backfill, the old application writing
// meanwhile; another release is refused while the dead run's lease is held; the same release again
// resumes where the partitions stopped, and every row ends right.
const db = useFreshDatabase();
const BIN = fileURLToPath(new URL('../../bin/zerodown.mjs', import.meta.url));

const files = {
  '001_items_label.sql': `-- migrate:up
ALTER TABLE items ADD COLUMN label text;

-- migrate:down
ALTER TABLE items DROP COLUMN label;
`,
  // small throttled batches: the backfill takes seconds, so the kill lands in its middle
  '001_items_label.backfill.json': JSON.stringify({
    table: 'items',
    set: { label: "'item-' || id" },
    where: 'label IS NULL',
    key: 'id',
    sync: true,
    partitions: 2,
    batchSize: 200,
    maxBatchSize: 200,
    throttle: { pauseMs: 40 },
  }),
};

function events(stdout: string): LocalRunEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Starts `zerodown run --local` and SIGKILLs it at its first backfill progress that is not done. */
function runAndKillMidBackfill(args: string[]): Promise<LocalRunEvent[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe', cwd: NO_CDK_APP });
    let stdout = '';
    let killed = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const midway = events(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).some(
        (e) => e.type === 'backfill-progress' && !e.done && e.rowsDone > 0,
      );
      if (midway && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`the run ended before the backfill was half way:\n${stdout}`));
      else resolve(events(stdout.slice(0, stdout.lastIndexOf('\n') + 1)));
    });
  });
}

describe('a crash in the middle of a backfill', () => {
  it('keeps other releases out, and the same release resumes and finishes every row', async () => {
    await db.client.query(`CREATE TABLE items (id bigserial PRIMARY KEY, price numeric NOT NULL);
      INSERT INTO items (price) SELECT g FROM generate_series(1, 20000) g;`);
    const dir = await migrationsDir(files);
    const args = (release: string) => [
      'run',
      '--local',
      '--database-url',
      db.url,
      '--migrations',
      dir,
      '--release',
      release,
      '--chunk-budget',
      '1s',
      '--format',
      'json',
    ];

    // GIVEN a run killed mid-backfill
    const before = await runAndKillMidBackfill(args('r1'));
    expect(before.some((e) => e.type === 'state-entered' && e.state === 'Backfill')).toBe(true);
    expect(before.some((e) => e.type === 'execution-succeeded' || e.type === 'execution-failed')).toBe(false);
    const owner = await leaseOwner(db.client);
    expect(owner).toMatch(/:execution:[A-Za-z0-9]+:local-r1$/);
    const half = await db.client.query('SELECT count(label)::int AS labelled FROM items');
    expect(half.rows[0].labelled).toBeGreaterThan(0);
    expect(half.rows[0].labelled).toBeLessThan(20_000);
    const saved = await db.client.query<{ partition: number; rows_done: string }>(
      'SELECT partition, rows_done FROM zerodown.backfills ORDER BY partition',
    );
    const progressAtCrash = new Map(saved.rows.map((r) => [r.partition, Number(r.rows_done)]));
    expect([...progressAtCrash.values()].some((rows) => rows > 0)).toBe(true);
    // ... while the old application version keeps writing (the sync trigger keeps new rows right)
    await db.client.query('INSERT INTO items (price) SELECT g FROM generate_series(1, 100) g');
    await db.client.query('UPDATE items SET price = price + 1 WHERE id % 1000 = 0');

    // WHEN another release runs: refused, naming the dead run that holds the lease
    const other = await runCli(args('r2'), {}, NO_CDK_APP);
    expect(other.code).toBe(1);
    const refused = events(other.stdout).at(-1)!;
    expect(refused).toMatchObject({ type: 'execution-failed', error: 'LockHeld', state: 'AcquireLock' });
    expect(refused.type === 'execution-failed' && refused.cause).toContain(`held by ${owner} (release r1)`);
    expect(await leaseOwner(db.client)).toBe(owner);

    // WHEN the same release runs again: it resumes
    const again = await runCli(args('r1'), {}, NO_CDK_APP);
    expect(again.code, again.stderr).toBe(0);
    const resumed = events(again.stdout);
    expect(resumed.at(-1)).toMatchObject({ type: 'execution-succeeded' });
    // every partition went on from its saved progress instead of starting over
    for (const [partition, saved] of progressAtCrash) {
      const first = resumed.find((e) => e.type === 'backfill-progress' && e.partition === partition);
      if (first?.type === 'backfill-progress') expect(first.rowsDone).toBeGreaterThanOrEqual(saved);
    }

    // THEN every row is right, the ones written during the crash included, and the lock is free
    const rows = await db.client.query(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE label = 'item-' || id)::int AS right FROM items",
    );
    expect(rows.rows[0]).toEqual({ n: 20_100, right: 20_100 });
    expect(await leaseOwner(db.client)).toBeNull();
    const done = await db.client.query('SELECT DISTINCT status FROM zerodown.backfills');
    expect(done.rows).toEqual([{ status: 'done' }]);
  });
});
