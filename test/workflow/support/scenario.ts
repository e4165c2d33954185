import type pg from 'pg';
import { beforeAll } from 'vitest';
import type { LocalRunEvent } from '../../../cli/local-runner/events.ts';
import type { LocalRunResult } from '../../../cli/local-runner/execute-state-machine.ts';
import {
  type LocalRunRequest,
  runReleaseLocally,
  synthesizeExampleTemplate,
} from '../../../cli/local-runner/run-release.ts';
import { silentLog } from '../../../core/log.ts';

/** The example stack's template, synthesized once for the calling test file (bundling skipped). */
export function useExampleTemplate(): { template: object } {
  const handle = {} as { template: object };
  beforeAll(async () => {
    handle.template = await synthesizeExampleTemplate();
  }, 60_000);
  return handle;
}

/** A finished local run and every event it reported. */
export interface Scenario {
  readonly result: LocalRunResult;
  readonly events: LocalRunEvent[];
  /** Top-level and Map states in the order they were entered (iterations as `Name[i]`). */
  readonly entered: string[];
}

/** A local run under way. */
export interface RunningRelease {
  /** Events so far (the array fills as the run goes). */
  readonly events: LocalRunEvent[];
  readonly done: Promise<Scenario>;
  /** Resolves with the gate's name once the run reports it waits there for a decision. */
  waitingAtGate(timeoutMs?: number): Promise<string>;
}

/**
 * Starts the real synthesized definition with the real task handlers (`runReleaseLocally`, what
 * `zerodown run --local` runs) against a test database.
 */
export function startRelease(
  databaseUrl: string,
  template: object,
  request: Partial<Omit<LocalRunRequest, 'connection' | 'template'>> & { input: LocalRunRequest['input'] },
): RunningRelease {
  const events: LocalRunEvent[] = [];
  const done = runReleaseLocally({
    connection: { connection: databaseUrl },
    migrationsDir: 'migrations',
    gatePollMs: 50,
    log: silentLog,
    ...request,
    template,
    onEvent: (event) => {
      events.push(event);
      request.onEvent?.(event);
    },
  }).then((result) => {
    const entered = events.flatMap((e) =>
      e.type === 'state-entered' ? [e.iteration === undefined ? e.state : `${e.state}[${e.iteration}]`] : [],
    );
    return { result, events, entered };
  });
  const waitingAtGate = async (timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const waiting = events.find((e) => e.type === 'gate-waiting');
      if (waiting?.type === 'gate-waiting') return waiting.gate;
      const ended = events.find((e) => e.type === 'execution-succeeded' || e.type === 'execution-failed');
      if (ended || Date.now() > deadline) {
        throw new Error(`the run never waited at a gate: ${JSON.stringify(ended ?? 'timed out')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { events, done, waitingAtGate };
}

/** Runs a release to its end (see {@link startRelease}). */
export function runRelease(
  databaseUrl: string,
  template: object,
  request: Parameters<typeof startRelease>[2],
): Promise<Scenario> {
  return startRelease(databaseUrl, template, request).done;
}

export { seedExampleTables } from '../../../cli/demo.ts';

/** Who holds the zerodown lease now (null when nobody does). */
export async function leaseOwner(client: pg.ClientBase): Promise<string | null> {
  const { rows } = await client.query<{ owner: string | null }>(
    'SELECT owner FROM zerodown.lock WHERE id = 1',
  );
  return rows[0]?.owner ?? null;
}
