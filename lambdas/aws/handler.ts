import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { Log } from '../../core/log.ts';
import {
  type AnyTaskName,
  createTaskHandlers,
  FLEET_TASK_NAMES,
  TASK_NAMES,
  type TaskHandler,
} from '../task-handlers.ts';
import { awsTaskDeps } from './deps.ts';

/** The execution a task event belongs to, for the log keys. */
function executionOf(event: unknown): string | undefined {
  const value = event as { executionId?: unknown; plan?: { executionId?: unknown } } | null;
  const id = value?.executionId ?? value?.plan?.executionId;
  return typeof id === 'string' ? id : undefined;
}

/** The core `Log` on a Powertools logger: structured JSON lines, fields as keys. */
export function powertoolsLog(logger: Logger): Log {
  // biome-ignore lint/suspicious/noExplicitAny: Powertools types log attributes more narrowly than Log's fields
  const attributes = (fields?: Record<string, unknown>) => (fields ?? {}) as any;
  return {
    info: (message, fields) => logger.info(message, attributes(fields)),
    warn: (message, fields) => logger.warn(message, attributes(fields)),
    error: (message, fields) => logger.error(message, attributes(fields)),
    debug: (message, fields) => logger.debug(message, attributes(fields)),
  };
}

/**
 * The Lambda handler of one task: the shared handler (`createTaskHandlers`) with AWS dependencies,
 * built once per environment (so the secret cache and the loaded migrations are reused). Every log line
 * carries the task and the execution id; errors are logged with their name and rethrown, so that the
 * Step Functions error is the error's class name.
 *
 * @example
 * export const handler = awsTaskHandler('expand');
 */
export function awsTaskHandler(
  task: AnyTaskName,
  env: Readonly<Record<string, string | undefined>> = process.env,
): (event: unknown, context?: Context) => Promise<unknown> {
  if (![...TASK_NAMES, ...FLEET_TASK_NAMES].includes(task)) throw new Error(`unknown task ${task}`);
  const logger = new Logger({ serviceName: 'zerodown' });
  let handler: TaskHandler | undefined;
  return async (event, context) => {
    if (context) logger.addContext(context);
    logger.appendKeys({ task, executionId: executionOf(event) });
    try {
      handler ??= createTaskHandlers(awsTaskDeps(env, powertoolsLog(logger)))[task];
      return await handler(event, context);
    } catch (error) {
      logger.error(`${task} failed`, {
        errorName: (error as Error).name,
        errorMessage: (error as Error).message,
      });
      throw error;
    } finally {
      logger.resetKeys();
    }
  };
}
