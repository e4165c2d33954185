import type { Log } from '../../core/log.ts';

/** A log that keeps its lines, for assertions on what the engine reported. */
export function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (message: string) => lines.push(message);
  return { lines, info: push, warn: push, error: push, debug: () => {} };
}
