import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadBenches, runBenches } from '../../bench/run.ts';
import { findDbmate } from '../support/peers.ts';

// Every benchmark once at its tiniest size, so that none rots between the runs that fill
// docs/benchmarks.md. Only that each runs to the end and reports figures is checked: never a time.
const benches = await loadBenches();

/** Every number anywhere in the figures. */
function numbers(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbers);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbers);
  return [];
}

describe('every benchmark at its tiniest size', () => {
  beforeAll(() => {
    // dbmate and squawk, the peers the start-up and lint benchmarks run (scripts/install-bench-peers.sh)
    const dbmate = findDbmate();
    if ('reason' in dbmate) throw new Error(dbmate.reason);
  });

  it('has the benchmarks the page promises', () => {
    expect(benches.map((b) => b.name).sort()).toEqual(
      [
        'backfill',
        'bundle',
        'lint',
        'lint-catch',
        'lock-queue',
        'parse-scale',
        'startup',
        'sync-trigger',
        'workflow',
      ].sort(),
    );
  });

  for (const bench of benches) {
    it(`${bench.name} runs to the end and reports its figures`, async () => {
      const { recorded, charts } = await runBenches([bench], 'tiny', { serverUrl: inject('pgServerUrl') });
      expect(recorded).toHaveLength(1);
      const [result] = recorded;
      expect(result!.markdown).toMatch(/^## \S/);
      expect(result!.command).toMatch(new RegExp(` npm run bench -- ${bench.name} --tiny$`));
      const figures = numbers(result!.figures);
      expect(figures.length).toBeGreaterThan(0);
      expect(figures.filter((n) => !Number.isFinite(n))).toEqual([]);
      for (const [name, svg] of Object.entries(charts)) {
        expect(result!.markdown).toContain(`](benchmarks/${name})`);
        expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
        // a series is drawn: a line through its points, or dots
        expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+ L|<circle /);
      }
    });
  }
});
