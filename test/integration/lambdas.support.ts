import type pg from 'pg';
import { seedExampleTables as seedDemoTables } from '../../cli/demo.ts';
import type { Log } from '../../core/log.ts';
import type { PlanResult } from '../../lambdas/events.ts';
import { createTaskHandlers, type TaskDeps, type TaskSettings } from '../../lambdas/task-handlers.ts';

/** Settings small enough for tests: short chunks, two partitions. */
export const TEST_SETTINGS: TaskSettings = {
  lockTimeoutMs: 500,
  statementTimeoutMs: 0,
  targetBatchMs: 50,
  maxPartitions: 2,
  leaseTtlMs: 60_000,
  chunkBudgetMs: 2_000,
};

/** Task handlers with local dependencies, and what they logged and published. */
export function localHandlers(url: string, migrationsDir: string, settings: Partial<TaskSettings> = {}) {
  const lines: string[] = [];
  const notices: { subject: string; message: string }[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const log: Log = {
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    debug: record('debug'),
  };
  const deps: TaskDeps = {
    connection: async () => ({ connection: url }),
    migrationsDir,
    log,
    settings: { ...TEST_SETTINGS, ...settings },
    notify: async (notice) => {
      notices.push(notice);
    },
  };
  return { handlers: createTaskHandlers(deps), lines, notices };
}

/** The example tables with `rows` rows each, on a database cleared of them and of zerodown's state. */
export async function seedExampleTables(client: pg.ClientBase, rows: number): Promise<void> {
  await client.query('DROP SCHEMA IF EXISTS zerodown CASCADE; DROP TABLE IF EXISTS users, orders;');
  await seedDemoTables(client, rows);
}

/** Runs a handler and returns the error it throws (fails the test if it does not throw). */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the task to fail, it succeeded');
}

/** The plan of an execution that only expands: `ids` in order, no gates. */
export function expandPlan(executionId: string, ids: string[]): PlanResult {
  return {
    release: 'r1',
    executionId,
    dryRun: false,
    onGateReject: 'keep',
    ifLocked: 'fail',
    phases: ['expand'],
    run: { expand: true, backfill: false, contract: false },
    gates: { afterExpand: false, beforeContract: false },
    expand: ids,
    backfill: [],
    contract: [],
    heldBack: [],
    contractOnly: false,
    lintOverride: null,
    versions: null,
  };
}
