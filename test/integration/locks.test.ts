import { describe, expect, it } from 'vitest';
import { openConnection } from '../../core/db/connection.ts';
import { LeaseLost, LockHeld } from '../../core/errors.ts';
import { DEFAULT_ADVISORY_LOCK_KEY, TaskAdvisoryLock } from '../../core/locks/advisory.ts';
import { LeaseLock } from '../../core/locks/lease.ts';
import { ensureStateSchema, readStateVersion, STATE_SCHEMA_STEPS } from '../../core/state/schema.ts';
import { useFreshDatabase } from '../support/database.ts';

const db = useFreshDatabase();

describe('the lease lock', () => {
  it('is taken by one owner, refused to another with the holder named, renewed, released', async () => {
    await ensureStateSchema(db.client);
    const lease = new LeaseLock(db.client);
    const taken = await lease.acquire('exec-A', { release: 'v1', ttlMs: 60_000 });
    expect(taken).toMatchObject({ owner: 'exec-A', release: 'v1' });
    const refused = await lease.acquire('exec-B', { release: 'v2', ttlMs: 60_000 }).catch((e) => e);
    expect(refused).toBeInstanceOf(LockHeld);
    expect(refused.message).toMatch(
      new RegExp(
        `held by exec-A \\(release v1\\) since ${taken.acquiredAt.toISOString().replace(/[.]/g, '\\.')}`,
      ),
    );
    // the owner re-acquires its own lease (a resumed execution) and keeps its acquired_at
    const again = await lease.acquire('exec-A', { release: 'v1', ttlMs: 60_000 });
    expect(again.acquiredAt).toEqual(taken.acquiredAt);
    const renewed = await lease.heartbeat('exec-A', 120_000);
    expect(renewed.expiresAt.getTime()).toBeGreaterThan(taken.expiresAt.getTime());
    expect(await lease.release('exec-B')).toBe(false);
    expect(await lease.release('exec-A')).toBe(true);
    expect(await lease.current()).toBeUndefined();
  });

  it('can be taken over only after it expired; the old owner then finds it lost', async () => {
    await ensureStateSchema(db.client);
    const lease = new LeaseLock(db.client);
    // a TTL no slow machine outlasts: refused because it has not expired, not because the test was quick
    await lease.acquire('exec-old', { ttlMs: 60_000 });
    await expect(lease.acquire('exec-new', { ttlMs: 60_000 })).rejects.toBeInstanceOf(LockHeld);
    // its last heartbeat gave it 1 ms more, then the owner went quiet: wait for the server's clock to pass it
    await lease.heartbeat('exec-old', 1);
    const expired = async () =>
      (await db.client.query('SELECT expires_at < clock_timestamp() AS expired FROM zerodown.lock')).rows[0]
        .expired;
    await expect.poll(expired, { interval: 10 }).toBe(true);
    const taken = await lease.acquire('exec-new', { ttlMs: 60_000 });
    expect(taken.owner).toBe('exec-new');
    const lost = await lease.heartbeat('exec-old', 60_000).catch((e) => e);
    expect(lost).toBeInstanceOf(LeaseLost);
    expect(lost.message).toMatch(/exec-new took it over/);
    await lease.release('exec-new');
  });

  it('is safe when many processes create the state schema at once', async () => {
    // from nothing: the tests above created it already
    await db.client.query('DROP SCHEMA IF EXISTS zerodown CASCADE');
    const clients = await Promise.all(
      Array.from({ length: 6 }, () => openConnection({ connection: db.url })),
    );
    try {
      await Promise.all(clients.map((c) => ensureStateSchema(c)));
      // each upgrade step applied and recorded exactly once
      const { rows } = await db.client.query('SELECT version FROM zerodown.state_version ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(STATE_SCHEMA_STEPS.map((_step, i) => i + 1));
      expect(await readStateVersion(db.client)).toBe(STATE_SCHEMA_STEPS.length);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});

describe('the advisory lock', () => {
  it("uses node-pg-migrate's key, so a node-pg-migrate run holding it is named", async () => {
    const other = await openConnection({ connection: db.url, applicationName: 'node-pg-migrate' });
    const mine = await openConnection({ connection: db.url });
    try {
      await other.query('SELECT pg_advisory_lock($1::bigint)', [DEFAULT_ADVISORY_LOCK_KEY.toString()]);
      const lock = new TaskAdvisoryLock(mine);
      const error = await lock.acquire(300).catch((e) => e);
      expect(error).toBeInstanceOf(LockHeld);
      expect(error.message).toMatch(/held by "node-pg-migrate" \(pid \d+/);
      await other.query('SELECT pg_advisory_unlock($1::bigint)', [DEFAULT_ADVISORY_LOCK_KEY.toString()]);
      await lock.acquire(0);
      // and now node-pg-migrate is refused while zerodown holds it
      const { rows } = await other.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
        DEFAULT_ADVISORY_LOCK_KEY.toString(),
      ]);
      expect(rows[0].ok).toBe(false);
      await lock.release();
    } finally {
      await Promise.all([other.end(), mine.end()]);
    }
  });

  it('in shared mode lets backfill partitions run side by side and keeps exclusive runners out', async () => {
    const [a, b, other] = await Promise.all([
      openConnection({ connection: db.url }),
      openConnection({ connection: db.url }),
      openConnection({ connection: db.url, applicationName: 'node-pg-migrate' }),
    ]);
    try {
      const first = new TaskAdvisoryLock(a, DEFAULT_ADVISORY_LOCK_KEY, 'shared');
      const second = new TaskAdvisoryLock(b, DEFAULT_ADVISORY_LOCK_KEY, 'shared');
      await first.acquire(0);
      await second.acquire(0);
      // an exclusive runner is refused while partitions run
      expect(await new TaskAdvisoryLock(other).tryAcquire()).toBe(false);
      await first.release();
      await second.release();
      // and a partition is refused while an exclusive runner holds it, naming that runner
      await new TaskAdvisoryLock(other).acquire(0);
      const error = await first.acquire(200).catch((e) => e);
      expect(error).toBeInstanceOf(LockHeld);
      expect(error.message).toMatch(/held by "node-pg-migrate"/);
    } finally {
      await Promise.all([a.end(), b.end(), other.end()]);
    }
  });
});
