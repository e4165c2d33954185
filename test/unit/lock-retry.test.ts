import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_LOCK_RETRY, withLockRetry } from '../../core/db/lock-retry.ts';
import { formatDuration, parseDuration } from '../../core/duration.ts';
import { LockTimeout } from '../../core/errors.ts';
import type { Log } from '../../core/log.ts';

const quiet: Log = { info() {}, warn() {}, error() {}, debug() {} };

function lockNotAvailable(): Error {
  return Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });
}

describe('withLockRetry', () => {
  it('retries on SQLSTATE 55P03 and logs every attempt', async () => {
    // GIVEN an attempt that hits lock_timeout twice
    const warnings: string[] = [];
    let calls = 0;
    // WHEN
    const result = await withLockRetry(
      'ALTER TABLE t',
      async () => {
        calls++;
        if (calls < 3) throw lockNotAvailable();
        return 'done';
      },
      { log: { ...quiet, warn: (m) => warnings.push(m) }, policy: { baseDelayMs: 1, maxDelayMs: 2 } },
    );
    // THEN
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(warnings).toEqual([
      expect.stringMatching(/^lock_timeout on attempt 1\/10 of ALTER TABLE t; retrying in \d+ms$/),
      expect.stringMatching(/^lock_timeout on attempt 2\/10 of ALTER TABLE t; retrying in \d+ms$/),
    ]);
  });

  it('gives up after the bounded number of attempts with LockTimeout, and never retries other errors', async () => {
    let calls = 0;
    const error = await withLockRetry(
      'ALTER TABLE t',
      async () => {
        calls++;
        throw lockNotAvailable();
      },
      { log: quiet, policy: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 1 } },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(LockTimeout);
    expect(error.name).toBe('LockTimeout');
    expect(error.message).toMatch(
      /ALTER TABLE t: could not get its lock within lock_timeout after 4 attempts/,
    );
    expect(calls).toBe(4);
    let other = 0;
    await expect(
      withLockRetry(
        'x',
        async () => {
          other++;
          throw Object.assign(new Error('syntax'), { code: '42601' });
        },
        { log: quiet },
      ),
    ).rejects.toThrow('syntax');
    expect(other).toBe(1);
  });

  it('backs off exponentially with jitter, up to the ceiling', () => {
    const low = () => 0;
    const high = () => 0.999;
    expect(backoffDelay(1, DEFAULT_LOCK_RETRY, low)).toBe(100);
    expect(backoffDelay(1, DEFAULT_LOCK_RETRY, high)).toBe(200);
    expect(backoffDelay(4, DEFAULT_LOCK_RETRY, low)).toBe(800);
    expect(backoffDelay(20, DEFAULT_LOCK_RETRY, high)).toBeLessThanOrEqual(DEFAULT_LOCK_RETRY.maxDelayMs);
  });
});

describe('durations', () => {
  it('parses 500ms, 2s, 1.5m and bare milliseconds, and refuses the rest with the option named', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('250')).toBe(250);
    expect(() => parseDuration('soon', '--lock-timeout')).toThrow(
      /invalid --lock-timeout "soon": use a number with a unit/,
    );
    expect(formatDuration(2300)).toBe('2.3s');
  });
});
