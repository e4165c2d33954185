import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openConnection } from '../../core/db/connection.ts';
import { LockHeld } from '../../core/errors.ts';
import { holdMigrationLocks } from '../../core/locks/hold.ts';
import { silentLog } from '../../core/log.ts';
import { ensureStateSchema } from '../../core/state/schema.ts';
import { useFreshDatabase } from '../support/database.ts';

// Runs started at the same moment: 2, 5 and 20 at once, 50 trials each. Exactly one proceeds every
// time; every other one is refused with LockHeld naming the holder. The winner holds its locks until
// every other run has been refused (or, if the locks were broken, has proceeded too), so the runs
// overlap in every trial whatever the machine's speed.
const db = useFreshDatabase();
const TRIALS = 50;

async function trial(
  clients: pg.Client[],
  n: number,
  t: number,
): Promise<{ proceeded: number; refused: string[] }> {
  let proceeded = 0;
  const refused: string[] = [];
  let settled = 0;
  let wake: () => void = () => undefined;
  const everyoneElse = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const settle = () => {
    settled++;
    if (settled >= n - 1) wake();
  };
  await Promise.all(
    clients.map(async (client, i) => {
      try {
        await holdMigrationLocks(
          client,
          { connection: db.url },
          { owner: `cli:trial-${n}-${t}:${i}:x`, log: silentLog, ttlMs: 60_000 },
          async () => {
            proceeded++;
            if (proceeded > 1) settle(); // a second winner: let the first see it and finish
            await everyoneElse;
          },
        );
      } catch (error) {
        if (!(error instanceof LockHeld)) throw error;
        refused.push(error.message);
        settle();
      }
    }),
  );
  return { proceeded, refused };
}

describe('runs started at the same moment', () => {
  for (const n of [2, 5, 20]) {
    it(`${n} at once, ${TRIALS} trials: exactly one proceeds every time, the others are refused naming the holder`, async () => {
      await ensureStateSchema(db.client);
      const clients = await Promise.all(
        Array.from({ length: n }, () => openConnection({ connection: db.url })),
      );
      try {
        for (let t = 0; t < TRIALS; t++) {
          const { proceeded, refused } = await trial(clients, n, t);
          expect({ trial: t, proceeded }).toEqual({ trial: t, proceeded: 1 });
          expect(refused).toHaveLength(n - 1);
          for (const message of refused) expect(message).toMatch(/is held by/);
          const lease = await db.client.query('SELECT owner FROM zerodown.lock WHERE id = 1');
          expect(lease.rows[0].owner).toBeNull(); // given back by the winner
        }
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
    });
  }
});
