import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { AnyTaskName } from '../../lambdas/task-handlers.ts';
import type { WorkflowContext } from './context.ts';

/** Lambda errors where the function did not run (or may be re-run safely): every task is idempotent. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

/** The retry every task state has: Lambda did not run it, so run it again. */
export const SERVICE_RETRY: sfn.RetryProps = {
  errors: LAMBDA_SERVICE_ERRORS,
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * The database went away mid-step (a restart, a failover, a terminated session) or cannot be reached
 * yet: every step is idempotent and resumes from what it recorded, so run it again once the database
 * is back. Six attempts, 5 s doubling to at most 60 s: about four minutes, longer than a failover.
 */
export const DATABASE_UNAVAILABLE_RETRY: sfn.RetryProps = {
  errors: ['DatabaseUnavailable'],
  interval: Duration.seconds(5),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/** A statement that kept meeting lock_timeout after the in-task retries: try the whole step later. */
export const LOCK_TIMEOUT_RETRY: sfn.RetryProps = {
  errors: ['LockTimeout'],
  interval: Duration.seconds(30),
  maxAttempts: 3,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

/** Where catches write `{ Error, Cause }`. */
export const FAILURE = '$.failure';
/** The payload of a task that works from the plan. */
export const PLAN_PAYLOAD = { 'plan.$': '$.plan' };
/** The path of the lease owner: this execution, or the fleet execution a target's item belongs to. */
export function executionIdPath(ctx: WorkflowContext): string {
  return ctx.target?.executionIdPath ?? '$$.Execution.Id';
}

/** The payload of AcquireLock and ReleaseLock: the lease owner and its release. */
export function lockPayload(ctx: WorkflowContext): Record<string, string> {
  return { 'executionId.$': executionIdPath(ctx), 'release.$': '$.plan.release' };
}

/**
 * `ResultSelector` copying each field out of the Lambda response's `Payload`.
 *
 * @example
 * selectPayload(['done']); // { 'done.$': '$.Payload.done' }
 */
export function selectPayload(fields: readonly string[]): Record<string, string> {
  return Object.fromEntries(fields.map((field) => [`${field}.$`, `$.Payload.${field}`]));
}

/** How {@link invokeTask} shapes its state. */
export interface TaskStateOptions {
  /** Result fields copied out of `Payload`. @default - the whole response (when kept) */
  readonly fields?: readonly string[];
  /** Where the result goes. @default - discarded */
  readonly resultPath?: string;
  /** Also retry `LockTimeout` (steps that take DDL locks). @default false */
  readonly lockTimeoutRetry?: boolean;
}

/**
 * A zerodown task state: a synchronous `lambda:invoke` of the task's function with the given payload
 * (and, for a fleet target, the target), retried on Lambda service errors (and on LockTimeout when asked).
 *
 * @example
 * const expand = invokeTask(ctx, 'Expand', 'expand', PLAN_PAYLOAD, { resultPath: '$.expand', lockTimeoutRetry: true });
 */
export function invokeTask(
  ctx: WorkflowContext,
  id: string,
  task: AnyTaskName,
  payload: Record<string, unknown>,
  options: TaskStateOptions = {},
): tasks.LambdaInvoke {
  const lambdaFunction = ctx.props.functions[task];
  if (!lambdaFunction) throw new Error(`the workflow definition has no function for the ${task} task`);
  const state = new tasks.LambdaInvoke(ctx.scope, id, {
    lambdaFunction,
    payload: sfn.TaskInput.fromObject({ ...payload, ...ctx.target?.payload }),
    retryOnServiceExceptions: false,
    resultSelector: options.fields ? selectPayload(options.fields) : undefined,
    resultPath: options.resultPath ?? sfn.JsonPath.DISCARD,
    comment: `zerodown task ${task}`,
  });
  state.addRetry(SERVICE_RETRY);
  state.addRetry(DATABASE_UNAVAILABLE_RETRY);
  if (options.lockTimeoutRetry) state.addRetry(LOCK_TIMEOUT_RETRY);
  return state;
}
