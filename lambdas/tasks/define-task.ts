import type { SFNClient } from '@aws-sdk/client-sfn';
import type pg from 'pg';
import type { z } from 'zod';
import { type ConnectionOptions, isDatabaseUnavailable } from '../../core/db/connection.ts';
import { DatabaseUnavailable, InvalidInput, ZerodownError } from '../../core/errors.ts';
import { withTaskLocks } from '../../core/locks/hold.ts';
import type { Log } from '../../core/log.ts';
import type { Migration } from '../../core/migrations/types.ts';
import { type FleetTarget, FleetTargetSchema } from '../fleet-events.ts';
import { workBudgetMs } from './budget.ts';
import { withDatabase } from './database.ts';
import type { MigrationSource } from './migrations.ts';
import type { TaskSettings } from './settings.ts';

/** What the task handlers need from where they run (Lambda or the local runner). */
export interface TaskDeps {
  /**
   * How to reach the database (Lambda: from the Secrets Manager secret, with TLS, cached).
   * `refresh` reads the secret again, past the cache: after a login failed (a rotated password).
   * `target`: a fleet target's database (its secret, or its URL in local runs) instead of the one.
   */
  connection(options?: { refresh?: boolean; target?: FleetTarget }): Promise<ConnectionOptions>;
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

/** A defined task: given where it runs and the migrations, the handler. */
export type Task = (deps: TaskDeps, migrations: MigrationSource) => TaskHandler;

/** The locks a task's database work holds: the execution's lease (renewed) and the advisory lock. */
export interface TaskLocks {
  /** The execution that holds the lease (acquired by the AcquireLock task). */
  readonly owner: string;
  /** `exclusive` for schema changes, `shared` for backfill partitions that run side by side. */
  readonly mode: 'exclusive' | 'shared';
}

/** What a task's `run` is given: the validated event and what every task uses. */
export interface TaskRun<E> {
  readonly event: E;
  /** The deps' log with the task name and the definition's `logKeys` on every line. */
  readonly log: Log;
  readonly deps: TaskDeps;
  readonly settings: TaskSettings;
  readonly context?: TaskContext;
  /** Time this invocation may spend on work: the chunk budget, cut to the Lambda's remaining time. */
  readonly budgetMs: number;
  /** The deployed migrations, loaded once per handler set. */
  migrations(): Promise<Migration[]>;
  /**
   * Connects (application_name `zerodown-<name>`, the configured lock and statement timeouts), takes
   * the definition's `locks` when it has them, runs `work`, and gives both back on every way out.
   */
  database<T>(work: (client: pg.Client, connection: ConnectionOptions) => Promise<T>): Promise<T>;
}

/** A workflow task: its event, its locks and what it does. */
export interface TaskDefinition<S extends z.ZodType, R> {
  /** The task's name: in the invalid-event error, on every log line, in the connection's name. */
  readonly name: string;
  /** The event schema; a bad event fails with `InvalidInput` naming the field. */
  readonly input: S;
  /** Log keys from the event (the execution, the partition). */
  readonly logKeys?: (event: z.output<S>) => Record<string, unknown>;
  /** The locks `database` holds while its work runs. @default none (AcquireLock and ReleaseLock handle the lease themselves) */
  readonly locks?: (event: z.output<S>) => TaskLocks;
  /** What the task does; its result is the task's output (small JSON). */
  run(task: TaskRun<z.output<S>>): Promise<R>;
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

/**
 * A log that adds the task and execution to every line (Powertools prints them as keys).
 *
 * @example
 * const log = taskLog(deps.log, { task: 'plan', executionId }); // log.info('…') carries both keys
 */
export function taskLog(log: Log, fields: Record<string, unknown>): Log {
  const merge = (extra?: Record<string, unknown>) => ({ ...fields, ...extra });
  return {
    info: (message, extra) => log.info(message, merge(extra)),
    warn: (message, extra) => log.warn(message, merge(extra)),
    error: (message, extra) => log.error(message, merge(extra)),
    debug: (message, extra) => log.debug(message, merge(extra)),
  };
}

/**
 * The fleet target an event names (`target`, which the fleet workflow adds to every task's payload), or
 * undefined for the single-database workflow.
 */
function targetOf(task: string, raw: unknown): FleetTarget | undefined {
  const value = (raw as { target?: unknown } | null)?.target;
  return value === undefined ? undefined : parseTaskEvent(task, FleetTargetSchema, value);
}

/**
 * A failure because the database went away (a restart, a failover, a terminated session) becomes
 * `DatabaseUnavailable`, which the state machine retries with backoff; the message stays the
 * database's. Errors that mean something else (a held lock, a lost lease) stay what they are.
 */
function asDatabaseUnavailable(error: unknown): unknown {
  if (!isDatabaseUnavailable(error)) return error;
  if (error instanceof ZerodownError && !['ZerodownError', 'MigrationFailed'].includes(error.name))
    return error;
  return new DatabaseUnavailable((error as Error).message, { cause: error });
}

/**
 * Defines a task (in the spirit of Powertools' parser and middy): the handler validates the event, logs
 * with the task's keys, and gives `run` the migrations, the work budget and a `database` that connects
 * and holds the task's locks. The task file then says only what the task does.
 *
 * @example
 * export const releaseLockTask = defineTask({
 *   name: 'releaseLock',
 *   input: LockEventSchema,
 *   logKeys: (event) => ({ executionId: event.executionId }),
 *   run: ({ event, database }) => database((client) => new LeaseLock(client).release(event.executionId)),
 * });
 * const handler = releaseLockTask(deps, migrationSource('migrations'));
 */
export function defineTask<S extends z.ZodType, R>(definition: TaskDefinition<S, R>): Task {
  return (deps, migrations) => async (raw, context) => {
    const event = parseTaskEvent(definition.name, definition.input, raw);
    const target = targetOf(definition.name, raw);
    const log = taskLog(deps.log, {
      task: definition.name,
      ...(target ? { target: target.name } : {}),
      ...definition.logKeys?.(event),
    });
    const locks = definition.locks?.(event);
    // a fleet target may override lock_timeout, statement_timeout and partitions
    const settings = { ...deps.settings, ...target?.settings };
    const targetDeps: TaskDeps = target
      ? { ...deps, settings, connection: (options) => deps.connection({ ...options, target }) }
      : deps;
    try {
      return await definition.run({
        event,
        log,
        deps: targetDeps,
        settings,
        context,
        budgetMs: workBudgetMs(settings, context),
        migrations,
        database: (work) =>
          withDatabase(targetDeps, definition.name, (client, connection) =>
            locks
              ? withTaskLocks(client, { ...locks, ttlMs: settings.leaseTtlMs, log }, () =>
                  work(client, connection),
                )
              : work(client, connection),
          ),
      });
    } catch (error) {
      throw asDatabaseUnavailable(error);
    }
  };
}
