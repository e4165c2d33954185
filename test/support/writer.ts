import type pg from 'pg';

/** A writer an application version runs: its steps in a loop on a connection of its own. */
export interface LoopWriter {
  /** Ends the loop after the step under way; resolves with how many steps ran (rejects with a step's error). */
  stop(): Promise<number>;
}

/**
 * Runs `step` in a loop on its own connection (from `connect`) until stopped, or until `steps` steps
 * have run when given (then `stop` waits for them). A step that fails ends the loop and `stop` rejects.
 *
 * @example
 * const oldApp = loopWriter(db.connect, async (client, n) => { await client.query('UPDATE …', [n]); });
 * expect(await oldApp.stop()).toBeGreaterThan(0);
 */
export function loopWriter(
  connect: () => Promise<pg.Client>,
  step: (client: pg.Client, n: number) => Promise<void>,
  options: { steps?: number } = {},
): LoopWriter {
  let running = true;
  const done = (async () => {
    const client = await connect();
    let n = 0;
    try {
      while (running && (options.steps === undefined || n < options.steps)) await step(client, n++);
    } finally {
      await client.end();
    }
    return n;
  })();
  done.catch(() => undefined); // reported by stop()
  return {
    stop: async () => {
      if (options.steps === undefined) running = false;
      return await done;
    },
  };
}
