import type { SFNClient } from '@aws-sdk/client-sfn';
import type pg from 'pg';
import type { z } from 'zod';
import { type ConnectionOptions, openConnection } from '../../core/db/connection.ts';
import { InvalidInput } from '../../core/errors.ts';
import type { Log } from '../../core/log.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { Migration } from '../../core/migrations/types.ts';

/** Settings every task reads (environment variables in Lambda, options locally). */
export interface TaskSettings {
  /** lock_timeout of every statement, ms. */
  readonly lockTimeoutMs: number;
  /** statement_timeout, ms; keep it below the Lambda timeout. */
  readonly statementTimeoutMs: number;
  /** Batch duration backfill sizing aims at, ms. */
  readonly targetBatchMs: number;
  /** Key-range partitions per backfill, and how many run at once. */
  readonly maxPartitions: number;
  /** Lease time to live after each task renews it, ms. */
  readonly leaseTtlMs: number;
  /** Longest a backfill chunk (or an index build wait) runs in one invocation, ms. */
  readonly chunkBudgetMs: number;
}

/** What the task handlers need from where they run (Lambda or the local runner). */
export interface TaskDeps {
  /** How to reach the database (Lambda: from the Secrets Manager secret, with TLS). */
  connection(): Promise<ConnectionOptions>;
  readonly migrationsDir: string;
  readonly log: Log;
  readonly settings: TaskSettings;
  /** Publishes a notice (gate waiting); Lambda: SNS when a topic is configured. */
  notify?(notice: { subject: string; message: string }): Promise<void>;
  /** Resumes executions waiting at gates (decisions sent to the gate function). @default new SFNClient({}) */
  readonly sfn?: SFNClient;
}

/** The Lambda context fields the tasks use. */
export interface TaskContext {
  getRemainingTimeInMillis?(): number;
  awsRequestId?: string;
  /** This Lambda function's name (the gate notice names it for `--gate-function`). */
  functionName?: string;
}

/** A task handler: the same function runs in Lambda and in the local runner. */
export type TaskHandler = (event: unknown, context?: TaskContext) => Promise<unknown>;

/** Time kept back from the Lambda's remaining time for saving state and returning. */
export const RESERVE_MS = 30_000;

/**
 * The time a task may spend on a chunk of work: the configured budget, cut to what the Lambda has left
 * minus a reserve (never below one second, so that some progress is made).
 *
 * @example
 * const budget = workBudgetMs(deps.settings, context); // 300000 with 15 min left
 */
export function workBudgetMs(settings: TaskSettings, context?: TaskContext): number {
  const remaining = context?.getRemainingTimeInMillis?.();
  const budget =
    remaining === undefined
      ? settings.chunkBudgetMs
      : Math.min(settings.chunkBudgetMs, remaining - RESERVE_MS);
  return Math.max(1_000, budget);
}

/**
 * Validates a task event against its schema; a bad event (a hand-edited definition, a wrong console
 * input) fails with `InvalidInput` naming the field.
 *
 * @example
 * const event = parseTaskEvent('expand', ExpandEventSchema, raw);
 */
export function parseTaskEvent<S extends z.ZodType>(task: string, schema: S, event: unknown): z.output<S> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
  throw new InvalidInput(`the ${task} task got an invalid event: ${problems.join('; ')}`);
}

/** A log that adds the task and execution to every line (Powertools prints them as keys). */
export function taskLog(log: Log, fields: Record<string, unknown>): Log {
  const merge = (extra?: Record<string, unknown>) => ({ ...fields, ...extra });
  return {
    info: (message, extra) => log.info(message, merge(extra)),
    warn: (message, extra) => log.warn(message, merge(extra)),
    error: (message, extra) => log.error(message, merge(extra)),
    debug: (message, extra) => log.debug(message, merge(extra)),
  };
}

/** Migrations loaded once per handler set (a Lambda environment serves many invocations). */
export function migrationSource(directory: string): () => Promise<Migration[]> {
  let loaded: Promise<Migration[]> | undefined;
  return () => {
    loaded ??= loadMigrations(directory).catch((error) => {
      loaded = undefined; // a fixed file is read again on the next invocation
      throw error;
    });
    return loaded;
  };
}

/**
 * Opens the task's connection (named after the task, with the configured lock and statement
 * timeouts), runs `work`, and closes the connection on every way out.
 *
 * @example
 * await withDatabase(deps, 'expand', async (client, connection) => applyPending(client, migrations, { ...options, connection }));
 */
export async function withDatabase<T>(
  deps: TaskDeps,
  task: string,
  work: (client: pg.Client, connection: ConnectionOptions) => Promise<T>,
): Promise<T> {
  const base = await deps.connection();
  const connection: ConnectionOptions = {
    ...base,
    lockTimeoutMs: deps.settings.lockTimeoutMs,
    statementTimeoutMs: deps.settings.statementTimeoutMs,
    applicationName: `zerodown-${task}`,
  };
  const client = await openConnection(connection);
  try {
    return await work(client, connection);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Finds migrations by id, failing clearly when the deployed files no longer have one the plan named. */
export function migrationsById(migrations: readonly Migration[], ids: readonly string[]): Migration[] {
  const byId = new Map(migrations.map((m) => [m.id, m]));
  return ids.map((id) => {
    const migration = byId.get(id);
    if (!migration) {
      throw new InvalidInput(
        `migration ${id} was planned but is not in the migrations directory any more; deploy the same files the execution started with, or start a new execution`,
      );
    }
    return migration;
  });
}
