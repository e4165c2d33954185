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
    const blockMs = 3000;
    const blocker = await openConnection({ connection: db.url, applicationName: 'blocker' });
    const traffic = await openConnection({ connection: db.url, applicationName: 'traffic' });
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
      const blockerDone = (async () => {
        await new Promise((resolve) => setTimeout(resolve, blockMs));
        await blocker.query('COMMIT');
        return performance.now();
      })();
      // WHEN the migration runs while a stream of reads goes on
      let streaming = true;
      const waits: number[] = [];
      const stream = (async () => {
        while (streaming) {
          const start = performance.now();
          await traffic.query('SELECT v FROM stall_t WHERE id = 7');
          waits.push(performance.now() - start);
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
      const committedAt = await blockerDone;
      streaming = false;
      await stream;
      // THEN the DDL succeeded only after the blocker committed, after several lock_timeout attempts
      expect(migrationEnd).toBeGreaterThanOrEqual(committedAt);
      expect(migrationEnd - migrationStart).toBeGreaterThan(blockMs * 0.8);
      expect(lines.filter((l) => /lock_timeout on attempt \d+\/100/.test(l)).length).toBeGreaterThanOrEqual(
        3,
      );
      const column = await db.client.query(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'stall_t' AND column_name = 'extra'",
      );
      expect(column.rowCount).toBe(1);
      // and no read waited much longer than lock_timeout (without the guard they would wait ~3 s)
      expect(waits.length).toBeGreaterThan(20);
      expect(Math.max(...waits)).toBeLessThan(lockTimeoutMs + 800);
    } finally {
      await Promise.all([blocker.end(), traffic.end(), runner.end()]);
    }
  });
});
