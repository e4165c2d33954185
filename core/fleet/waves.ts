/** A wave of a fleet rollout: which targets run together, and how many of them may fail. */
export interface Wave<T> {
  readonly index: number;
  readonly targets: T[];
  readonly toleratedFailurePercentage: number;
}

/**
 * Splits a fleet into its waves, in the order given: the canary first (its own wave, no failure
 * tolerated: any failure stops the rollout), then waves of `waveSize` (the rest in one wave when not
 * given), each with the fleet's failure budget. A canary as large as the fleet is the only wave.
 *
 * @example
 * planWaves(['a', 'b', 'c', 'd'], { canary: 1, waveSize: 2, toleratedFailurePercentage: 50 });
 * // [{ index: 0, targets: ['a'], toleratedFailurePercentage: 0 },
 * //  { index: 1, targets: ['b', 'c'], toleratedFailurePercentage: 50 },
 * //  { index: 2, targets: ['d'], toleratedFailurePercentage: 50 }]
 */
export function planWaves<T>(
  targets: readonly T[],
  options: { canary: number; waveSize?: number; toleratedFailurePercentage: number },
): Wave<T>[] {
  const waves: Wave<T>[] = [];
  const canary = Math.min(options.canary, targets.length);
  if (canary > 0) waves.push({ index: 0, targets: targets.slice(0, canary), toleratedFailurePercentage: 0 });
  const rest = targets.slice(canary);
  const size = options.waveSize ?? Math.max(rest.length, 1);
  for (let start = 0; start < rest.length; start += size) {
    waves.push({
      index: waves.length,
      targets: rest.slice(start, start + size),
      toleratedFailurePercentage: options.toleratedFailurePercentage,
    });
  }
  return waves;
}
