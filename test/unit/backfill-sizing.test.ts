import { describe, expect, it } from 'vitest';
import { BatchSizer } from '../../core/backfill/batch-size.ts';
import { throttleReason } from '../../core/backfill/throttle.ts';

/** A simulated table: a batch costs a fixed overhead plus a cost per row, with some noise. */
function simulate(sizer: BatchSizer, fixedMs: number, perRowMs: number, batches: number) {
  const durations: number[] = [];
  let noise = 0.37;
  for (let i = 0; i < batches; i++) {
    noise = (noise * 9301 + 0.49297) % 1; // deterministic jitter in [0, 1)
    const rows = sizer.size;
    const ms = (fixedMs + perRowMs * rows) * (0.9 + 0.2 * noise);
    durations.push(ms);
    sizer.record(rows, ms);
  }
  return durations;
}

describe('adaptive batch size', () => {
  it('grows from a small start and settles near the target duration', () => {
    const sizer = new BatchSizer(1000, { targetMs: 200, min: 100, max: 1_000_000 });
    const durations = simulate(sizer, 3, 0.003, 40);
    const settled = durations.slice(-20);
    for (const ms of settled) {
      expect(ms).toBeGreaterThan(150);
      expect(ms).toBeLessThan(250);
    }
    expect(sizer.size).toBeGreaterThan(50_000);
    expect(sizer.size).toBeLessThan(80_000);
  });

  it('keeps noisy batches under twice the target: it sizes from the slowest recent cost per row', () => {
    // a busy server: each batch takes 0.6x to 1.4x its usual time, and every 37th also meets a stall
    // of half the target (another backend on the core, a dirty buffer written out first)
    const targetMs = 100;
    const sizer = new BatchSizer(1000, { targetMs, min: 100, max: 1_000_000 });
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const durations: number[] = [];
    for (let i = 0; i < 400; i++) {
      const rows = sizer.size;
      const ms = (1 + 0.005 * rows) * (0.6 + 0.8 * random()) + (i % 37 === 36 ? targetMs / 2 : 0);
      durations.push(ms);
      sizer.record(rows, ms);
    }
    const settled = durations.slice(20).sort((a, b) => a - b);
    expect(settled.at(-1)).toBeLessThan(2 * targetMs);
    // and it does not shrink batches so far that their fixed cost starts to matter
    expect(settled[Math.floor(settled.length / 2)]).toBeGreaterThan(0.6 * targetMs);
  });

  it('grows at most 2x per batch, so one fast batch does not make the next one huge', () => {
    const sizer = new BatchSizer(1000, { targetMs: 200, min: 100, max: 1_000_000 });
    sizer.record(1000, 1);
    expect(sizer.size).toBe(2000);
  });

  it('shrinks at once after a batch far over the target (the table got slower)', () => {
    const sizer = new BatchSizer(50_000, { targetMs: 200, min: 100, max: 100_000 });
    sizer.record(50_000, 2000);
    expect(sizer.size).toBe(5000);
  });

  it('stays within its bounds, and a short last batch of a range changes nothing', () => {
    const sizer = new BatchSizer(5000, { targetMs: 200, min: 1000, max: 8000 });
    sizer.record(5000, 1);
    sizer.record(8000, 1);
    expect(sizer.size).toBe(8000);
    sizer.record(10, 500);
    expect(sizer.size).toBe(8000);
    sizer.record(8000, 100_000);
    expect(sizer.size).toBe(1000);
    sizer.shrink();
    expect(sizer.size).toBe(1000);
  });
});

describe('throttle', () => {
  it('waits while replication lag or active connections are over their bounds', () => {
    const throttle = { maxReplicationLagMs: 1000, maxActiveConnections: 20 };
    expect(throttleReason({ replicationLagMs: 200, activeConnections: 5 }, throttle)).toBeNull();
    expect(throttleReason({ replicationLagMs: 4000, activeConnections: 5 }, throttle)).toBe(
      'replication lag 4000ms is above 1000ms',
    );
    expect(throttleReason({ replicationLagMs: 0, activeConnections: 21 }, throttle)).toBe(
      '21 active connections are above 20',
    );
    expect(throttleReason({ replicationLagMs: 9999, activeConnections: 999 }, {})).toBeNull();
  });
});
