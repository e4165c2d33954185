import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, openConnection } from '../../core/db/connection.ts';
import { useFreshDatabase } from '../support/database.ts';

// A session the server ends while it sits idle (a restart between two backfill batches, an operator's
// pg_terminate_backend, idle_session_timeout): the driver fails the next statement with a message of its
// own, no SQLSTATE. It must read as the database gone away, which the state machine retries.
const db = useFreshDatabase();

describe('a session ended while idle', () => {
  it('fails its next statement with an error isDatabaseUnavailable takes', async () => {
    const client = await openConnection({ connection: db.url, applicationName: 'zerodown-idle-lost' });
    try {
      const lost = new Promise((resolve) => client.once('error', resolve));
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await db.client.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await lost;
      const error = await client.query('SELECT 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as Error).message).toMatch(/not queryable/);
      expect(isDatabaseUnavailable(error)).toBe(true);
      // as the backfill task's error reaches the Map: wrapped, the driver's error its cause
      expect(isDatabaseUnavailable(new Error('partition 0 failed', { cause: error }))).toBe(true);
    } finally {
      await client.end().catch(() => undefined);
    }
  });
});
