import { RESERVE_MS, type TaskSettings } from './settings.ts';

/**
 * The time a task may spend on a chunk of work: the configured budget, cut to what the Lambda has left
 * minus a reserve (never below one second, so that some progress is made).
 *
 * @example
 * const budget = workBudgetMs(deps.settings, context); // 300000 with 15 min left
 */
export function workBudgetMs(
  settings: TaskSettings,
  context?: { getRemainingTimeInMillis?(): number },
): number {
  const remaining = context?.getRemainingTimeInMillis?.();
  const budget =
    remaining === undefined
      ? settings.chunkBudgetMs
      : Math.min(settings.chunkBudgetMs, remaining - RESERVE_MS);
  return Math.max(1_000, budget);
}
