import { describe, expect, it } from 'vitest';
import { openConnection } from '../../core/db/connection.ts';
import type { Log } from '../../core/log.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { applyPending } from '../../core/runner/apply.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

const db = useFreshDatabase();

describe('lock_timeout with retries', () => {
  it('a DDL behind a long transaction retries until the blocker commits, and traffic never queues behind it for long', async () => {
    // GIVEN a table with traffic, and a long transaction holding a lock that conflicts with ALTER TABLE
    await db.client.query(
      'CREATE TABLE stall_t (id int PRIMARY KEY, v int); INSERT INTO stall_t SELECT g, g FROM generate_series(1, 1000) g',
    );
    const dir = await migrationsDir({
      '1_add.sql':
        '-- migrate:up\nALTER TABLE stall_t ADD COLUMN extra int;\n-- migrate:down\nALTER TABLE stall_t DROP COLUMN extra;\n',
    });
    const migrations = await loadMigrations(dir);
    const lockTimeoutMs = 200;
    const blockMs = 4000;
    const blocker = await openConnection({ connection: db.url, applicationName: 'blocker' });
    // the application's reads: no lock_timeout of their own, so they wait as long as the queue does
    const traffic = await openConnection({
      connection: db.url,
      applicationName: 'traffic',
      lockTimeoutMs: 0,
    });
    const runner = await openConnection({ connection: db.url, lockTimeoutMs });
    const lines: string[] = [];
    const log: Log = {
      info: () => {},
      debug: () => {},
      error: (m) => lines.push(m),
      warn: (m) => lines.push(m),
    };
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT count(*) FROM stall_t');
      const blockedAt = performance.now();
      // when COMMIT is sent: the DDL cannot get its lock before, however slowly the reply comes back
      const blockerCommit = (async () => {
        await new Promise((resolve) => setTimeout(resolve, blockMs));
        const sentAt = performance.now();
        await blocker.query('COMMIT');
        return sentAt;
      })();
      // WHEN the migration runs while a stream of reads goes on
      let streaming = true;
      const reads: { startedAt: number; ms: number }[] = [];
      const stream = (async () => {
        while (streaming) {
          const startedAt = performance.now();
          await traffic.query('SELECT v FROM stall_t WHERE id = 7');
          reads.push({ startedAt, ms: performance.now() - startedAt });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      const migrationStart = performance.now();
      await applyPending(runner, migrations, {
        phases: ['expand'],
        executionId: 'lock-test',
        log,
        retry: { maxAttempts: 100, baseDelayMs: 100, maxDelayMs: 400 },
      });
      const migrationEnd = performance.now();
      const commitSentAt = await blockerCommit;
      streaming = false;
      await stream;
      // THEN the DDL succeeded only after the blocker committed, after several lock_timeout attempts
      expect(migrationEnd).toBeGreaterThanOrEqual(commitSentAt);
      expect(migrationEnd - migrationStart).toBeGreaterThan(blockMs * 0.8);
      expect(lines.filter((l) => /lock_timeout on attempt \d+\/100/.test(l)).length).toBeGreaterThanOrEqual(
        3,
      );
      const column = await db.client.query(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'stall_t' AND column_name = 'extra'",
      );
      expect(column.rowCount).toBe(1);
      // and no read queued behind the DDL for long: about lock_timeout, where without it a read waits about
      // as long as the blocker held its lock (the DDL's first attempt comes right after it took it). Half
      // that is 10 lock_timeouts: room for a loaded machine, and still far below what no guard gives.
      const heldMs = commitSentAt - blockedAt;
      expect(
        reads.filter((r) => r.startedAt > migrationStart && r.startedAt < commitSentAt).length,
      ).toBeGreaterThan(10);
      expect(Math.max(...reads.map((r) => r.ms))).toBeLessThan(heldMs / 2);
    } finally {
      await Promise.all([blocker.end(), traffic.end(), runner.end()]);
    }
  });

  it('gives up after the last attempt naming the oldest open transaction, its pid and query, applying nothing', async () => {
    await db.client.query('CREATE TABLE stuck_t (id int PRIMARY KEY)');
    const dir = await migrationsDir({
      '2_add.sql':
        '-- migrate:up\nALTER TABLE stuck_t ADD COLUMN extra int;\n-- migrate:down\nALTER TABLE stuck_t DROP COLUMN extra;\n',
    });
    const blocker = await openConnection({ connection: db.url, applicationName: 'report' });
    const runner = await openConnection({ connection: db.url, lockTimeoutMs: 50 });
    try {
      const { rows } = await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await blocker.query('BEGIN');
      await blocker.query('SELECT count(*) AS report_rows FROM stuck_t');
      const error = await applyPending(runner, await loadMigrations(dir), {
        phases: ['expand'],
        executionId: 'stuck',
        log: { info: () => {}, debug: () => {}, warn: () => {}, error: () => {} },
        retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
      }).catch((e) => e);
      expect(error.name).toBe('LockTimeout');
      expect(error.message).toMatch(
        new RegExp(
          `could not get its lock within lock_timeout after 2 attempts.*the oldest open transaction here is pid ${rows[0]!.pid} \\([^,]+, open \\d+s\\): SELECT count\\(\\*\\) AS report_rows FROM stuck_t`,
        ),
      );
      const column = await db.client.query(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'stuck_t' AND column_name = 'extra'",
      );
      expect(column.rowCount).toBe(0);
    } finally {
      await blocker.query('ROLLBACK');
      await Promise.all([blocker.end(), runner.end()]);
    }
  });
});
