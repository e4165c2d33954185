import { randomUUID } from 'node:crypto';
import type { AslDefinition, TemplateFunction } from './definition.ts';
import { DataLimitExceeded, FailureBudgetExceeded, LambdaFunctionError } from './errors.ts';
import { LAMBDA_INVOKE_CALLBACK } from './guard.ts';
import { FAILED_ITEM_MARKER, LOCAL_FAILURE_BUDGET } from './inline-map.ts';

/** A task handler as `createTaskHandlers` builds it: the same code that runs in Lambda. */
export type TaskHandler = (
  event: unknown,
  context?: { getRemainingTimeInMillis?(): number; awsRequestId?: string },
) => Promise<unknown>;

/** The value the local runner puts in `$$.Task.Token`; each gate invocation replaces it with its own token. */
export const TASK_TOKEN_PLACEHOLDER = 'local:task-token';

/** Step Functions' limit on a task result (and any state's input or output). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Lambda's timeout when a function sets none. */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;

/** A callback (waitForTaskToken) task: what the local runner waits on instead of SendTaskSuccess. */
export interface CallbackTask {
  readonly stateName: string;
  readonly task: string;
  /** `local:<uuid>`, put where the definition put `$$.Task.Token`. */
  readonly token: string;
  /** The payload the task function was invoked with. */
  readonly payload: unknown;
}

/** What the local runner does around each task invocation. */
export interface LocalTaskHooks {
  /** Waits for the decision on a callback task and returns its output (what SendTaskSuccess would send). */
  awaitCallback(callback: CallbackTask): Promise<unknown>;
  /** Called with every successful task result (backfill progress is read from it). */
  onResult?(stateName: string, task: string, payload: unknown, result: unknown): void;
}

// biome-ignore lint/suspicious/noExplicitAny: ASL and Lambda payloads are open-ended JSON
type Json = any;

/** Payloads cross a JSON boundary in AWS: Dates become strings, undefined disappears. */
function overJson(value: unknown): Json {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function replaceToken(value: Json, token: string): Json {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((item) => replaceToken(item, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceToken(item, token)]));
  }
  return value;
}

async function invokeFunction(fn: TemplateFunction, handler: TaskHandler, payload: Json): Promise<Json> {
  const timeoutMs = (fn.timeoutSeconds ?? LAMBDA_DEFAULT_TIMEOUT_SECONDS) * 1000;
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new LambdaFunctionError(
            'Sandbox.Timedout',
            `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds (function ${fn.logicalId})`,
          ),
        ),
      timeoutMs,
    );
  });
  let result: unknown;
  try {
    result = await Promise.race([handler(overJson(payload), context), timedOut]);
  } catch (error) {
    if (error instanceof LambdaFunctionError) throw error;
    const name = (error as Error)?.name || 'Error';
    throw new LambdaFunctionError(name, (error as Error)?.message ?? String(error));
  } finally {
    clearTimeout(timer);
  }
  const text = result === undefined ? 'null' : JSON.stringify(result);
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
    // Step Functions fails the state; locally it would pass silently
    throw new DataLimitExceeded(
      `function ${fn.logicalId} returned ${Buffer.byteLength(text)} bytes; a state's data is limited to 256 KiB`,
    );
  }
  return JSON.parse(text);
}

/**
 * The failure budget of a Map run inline (toInlineMaps): fails with States.ExceedToleratedFailureThreshold
 * when more items failed than `percentage` (of all items) or `count` allow, as a Map run does in AWS;
 * the cause names the failed items' errors.
 */
export function checkFailureBudget(input: Json): null {
  const results: Json[] = Array.isArray(input?.results) ? input.results : [];
  const failed = results.filter((result) => result?.[FAILED_ITEM_MARKER] === true);
  const overPercentage =
    typeof input?.percentage === 'number' &&
    results.length > 0 &&
    (failed.length / results.length) * 100 > input.percentage;
  const overCount = typeof input?.count === 'number' && failed.length > input.count;
  if (overPercentage || overCount) {
    const errors = [...new Set(failed.map((result) => String(result.failure?.Error)))].join(', ');
    const budget = [
      typeof input?.percentage === 'number' ? `${input.percentage}%` : undefined,
      typeof input?.count === 'number' ? `${input.count} items` : undefined,
    ]
      .filter(Boolean)
      .join(' or ');
    const first = String(failed[0]?.failure?.Cause ?? '').slice(0, 500);
    throw new FailureBudgetExceeded(
      `${failed.length} of ${results.length} items failed (${errors}), more than the tolerated ${budget}; the first: ${first}`,
    );
  }
  return null;
}

function taskStates(
  definition: { States: Record<string, Json> },
  found: [string, Json][] = [],
): [string, Json][] {
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') found.push([name, state]);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (state.Type === 'Map' && processor) taskStates(processor, found);
    if (state.Type === 'Parallel') for (const branch of state.Branches ?? []) taskStates(branch, found);
  }
  return found;
}

/**
 * Builds aws-local-stepfunctions' `taskResourceLocalHandlers`: for every Task state, a function that
 * finds the task function by the resolved `FunctionName`, runs its `ZERODOWN_TASK` handler in process
 * under the function's timeout, and returns the lambda:invoke response shape `{ Payload, StatusCode }`.
 * A `waitForTaskToken` task gets a fresh `local:<uuid>` token in place of `$$.Task.Token`, is invoked,
 * and then waits on `hooks.awaitCallback`, whose value becomes the state's result (as SendTaskSuccess's
 * output does in AWS).
 *
 * @example
 * const overrides = localTaskHandlers(definition, machine.functions, createTaskHandlers(deps), hooks);
 * new StateMachine(definition).run(input, { overrides: { taskResourceLocalHandlers: overrides } });
 */
export function localTaskHandlers(
  definition: AslDefinition,
  functions: ReadonlyMap<string, TemplateFunction>,
  handlers: Readonly<Record<string, TaskHandler>>,
  hooks: LocalTaskHooks,
): Record<string, (input: Json) => Promise<Json>> {
  const overrides: Record<string, (input: Json) => Promise<Json>> = {};
  for (const [stateName, state] of taskStates(definition)) {
    if (state.Resource === LOCAL_FAILURE_BUDGET) {
      overrides[stateName] = async (input: Json) => checkFailureBudget(input);
      continue;
    }
    const direct = String(state.Resource).startsWith('arn:aws:lambda:');
    const callback = state.Resource === LAMBDA_INVOKE_CALLBACK;
    overrides[stateName] = async (input: Json) => {
      const functionName = direct ? String(state.Resource).replace(/:\$LATEST$/, '') : input?.FunctionName;
      const fn = functions.get(functionName);
      const handler = fn?.task ? handlers[fn.task] : undefined;
      if (!fn?.task || !handler) {
        throw new LambdaFunctionError(
          'Lambda.ResourceNotFoundException',
          `state ${stateName}: no local handler for function ${functionName} (task ${fn?.task ?? 'unknown'})`,
        );
      }
      let payload = direct ? input : input?.Payload;
      if (callback) {
        const token = `local:${randomUUID()}`;
        payload = replaceToken(overJson(payload), token);
        await invokeFunction(fn, handler, payload);
        return overJson(await hooks.awaitCallback({ stateName, task: fn.task, token, payload }));
      }
      const result = await invokeFunction(fn, handler, payload);
      hooks.onResult?.(stateName, fn.task, payload, result);
      return direct ? result : { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
    };
  }
  return overrides;
}

/** Step Functions waits up to a year on a task; a Node timer cannot count past 24.8 days. */
export const MAX_LOCAL_TASK_TIMEOUT_SECONDS = 2_000_000;

/**
 * Gives every Task state an explicit `TimeoutSeconds`: aws-local-stepfunctions would otherwise stop
 * any task after 60 s, where Step Functions waits (a Lambda task is bounded by the function's own
 * timeout, which {@link localTaskHandlers} applies). Callback tasks may get `callbackTimeoutSeconds`
 * (`--gate-timeout`) instead of their own.
 */
export function withLocalTimeouts(definition: AslDefinition, callbackTimeoutSeconds?: number): AslDefinition {
  const visit = (states: Record<string, Json>): Record<string, Json> =>
    Object.fromEntries(
      Object.entries(states).map(([name, state]) => {
        let next = state;
        if (state.Type === 'Task') {
          const own =
            state.TimeoutSeconds ?? (state.TimeoutSecondsPath ? undefined : MAX_LOCAL_TASK_TIMEOUT_SECONDS);
          const wanted =
            state.Resource === LAMBDA_INVOKE_CALLBACK && callbackTimeoutSeconds
              ? callbackTimeoutSeconds
              : own;
          next =
            wanted === undefined
              ? state
              : { ...state, TimeoutSeconds: Math.min(wanted, MAX_LOCAL_TASK_TIMEOUT_SECONDS) };
        }
        const processorKey = state.ItemProcessor ? 'ItemProcessor' : state.Iterator ? 'Iterator' : undefined;
        if (state.Type === 'Map' && processorKey) {
          next = {
            ...next,
            [processorKey]: { ...state[processorKey], States: visit(state[processorKey].States) },
          };
        }
        if (state.Type === 'Parallel') {
          next = { ...next, Branches: state.Branches.map((b: Json) => ({ ...b, States: visit(b.States) })) };
        }
        return [name, next];
      }),
    );
  return { ...definition, States: visit(definition.States) };
}
