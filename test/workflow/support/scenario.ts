import type pg from 'pg';
import { beforeAll } from 'vitest';
import type { LocalRunEvent } from '../../../cli/local-runner/events.ts';
import {
  type LocalRunRequest,
  runLocal,
  synthesizeExampleTemplate,
} from '../../../cli/local-runner/local-run.ts';
import type { LocalRunResult } from '../../../cli/local-runner/run.ts';
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

/**
 * Runs the real synthesized definition with the real task handlers (`runLocal`, what
 * `zerodown run --local` runs) against a test database.
 */
export async function runRelease(
  databaseUrl: string,
  template: object,
  request: Partial<Omit<LocalRunRequest, 'connection' | 'template'>> & { input: LocalRunRequest['input'] },
): Promise<Scenario> {
  const events: LocalRunEvent[] = [];
  const result = await runLocal({
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
  });
  const entered = events.flatMap((e) =>
    e.type === 'state-entered' ? [e.iteration === undefined ? e.state : `${e.state}[${e.iteration}]`] : [],
  );
  return { result, events, entered };
}

/** The example application's first version: users and orders with `rows` rows each. */
export async function seedExampleTables(client: pg.ClientBase, rows: number): Promise<void> {
  await client.query(`
    CREATE TABLE users (id bigserial PRIMARY KEY, username text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, ${rows}) g;
    CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint NOT NULL, total numeric(12, 2) NOT NULL);
    INSERT INTO orders (user_id, total) SELECT g, g % 1000 FROM generate_series(1, ${rows}) g;
    ANALYZE users; ANALYZE orders;`);
}

/** Who holds the zerodown lease now (null when nobody does). */
export async function leaseOwner(client: pg.ClientBase): Promise<string | null> {
  const { rows } = await client.query<{ owner: string | null }>(
    'SELECT owner FROM zerodown.lock WHERE id = 1',
  );
  return rows[0]?.owner ?? null;
}

/** Waits until the release's run waits at a gate (the gate task recorded its local token). */
export async function waitForOpenGate(
  client: pg.ClientBase,
  release: string,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client
      .query<{ gate: string }>(
        "SELECT gate FROM zerodown.gates WHERE release = $1 AND decision IS NULL AND task_token LIKE 'local:%'",
        [release],
      )
      .catch(() => ({ rows: [] as { gate: string }[] }));
    if (rows[0]) return rows[0].gate;
    if (Date.now() > deadline) throw new Error(`release ${release} never waited at a gate`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
