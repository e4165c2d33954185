import { InvalidInput } from './errors.ts';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest duration accepted: a year, Step Functions' longest execution. */
export const MAX_DURATION_MS = 365 * 86_400_000;

/**
 * Parses a duration such as `500ms`, `2s`, `1.5m`, `1h` or a bare number of milliseconds.
 *
 * @example
 * parseDuration('2s'); // 2000
 */
export function parseDuration(text: string, what = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$/.exec(text);
  if (!match) {
    throw new InvalidInput(`invalid ${what} "${text}": use a number with a unit, like 500ms, 2s, 5m or 1h`);
  }
  const value = Math.round(Number(match[1]) * (units[match[2] ?? 'ms'] ?? 1));
  if (!(value <= MAX_DURATION_MS)) {
    throw new InvalidInput(
      `invalid ${what} "${text}": at most 365d (nothing zerodown waits for runs longer)`,
    );
  }
  return value;
}

/** Formats milliseconds for humans: `850ms`, `2.3s`, `4m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
