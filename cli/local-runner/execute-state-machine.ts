import './promise-polyfill.ts';
import type { ConnectionOptions } from '../../core/db/connection.ts';
import type { Log } from '../../core/log.ts';
import {
  type AslDefinition,
  type ExtractedStateMachine,
  extractStateMachine,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
} from './definition.ts';
import { UnfaithfulDefinition } from './errors.ts';
import type { LocalRunEvent } from './events.ts';
import { awaitGateDecision } from './gate-wait.ts';
import { assertRunsFaithfully } from './guard.ts';
import {
  localTaskHandlers,
  MAX_LOCAL_TASK_TIMEOUT_SECONDS,
  TASK_TOKEN_PLACEHOLDER,
  type TaskHandler,
  withLocalTimeouts,
} from './handlers.ts';
import { toInlineMaps } from './inline-map.ts';
import { backfillProgress } from './progress.ts';
import { type HistoryEntry, trackStates } from './tracking.ts';

/** How to run the synthesized state machine locally. */
export interface StateMachineExecutionOptions {
  /** The CloudFormation template holding the state machine and its task functions. */
  readonly template: object;
  /** Its logical id, when the template has several. */
  readonly stateMachine?: string;
  /** Replaces the MaxConcurrency of every Map state that sets one (the backfill partitions). */
  readonly maxConcurrency?: number;
  /** The in-process handlers by `ZERODOWN_TASK` (`createTaskHandlers(deps)`). */
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  /** Where gates are recorded and decided. */
  readonly connection: ConnectionOptions;
  /** The database as the approve command shows it. @default the connection without its password */
  readonly databaseForDisplay?: string;
  /** The execution input (release, phases, gates, …), validated by the Plan task. */
  readonly input: { release: string; [field: string]: unknown };
  /** Approve every gate at once, saying so. @default false */
  readonly approveGates?: boolean;
  /** How long a gate waits; replaces the gate states' TimeoutSeconds. @default the definition's */
  readonly gateTimeoutSeconds?: number;
  /** How often a waiting gate looks for a decision. @default 250 */
  readonly gatePollMs?: number;
  /** Time the caller spent synthesizing the template, reported with the `synthesized` event. */
  readonly synthesisMs?: number;
  readonly log: Log;
  readonly onEvent?: (event: LocalRunEvent) => void;
  /** Every entry of the execution's history, in order (`zerodown run --local --history <file>`). */
  readonly onHistory?: (entry: HistoryEntry) => void;
}

/** The end of a local run. */
export interface LocalRunResult {
  readonly status: 'succeeded' | 'failed';
  readonly executionId: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** The state where the failure started (Expand, BackfillChunk, …), not the Fail state it ended in. */
  readonly failedState?: string;
  readonly ms: number;
  /** Total time spent in each top-level Task, Map, Parallel and Wait state. */
  readonly stateMs: Readonly<Record<string, number>>;
}

/**
 * The execution name of a local run: derived from the release, so running the same release again
 * (after a crash) is the same execution to the lease, and resumes.
 */
export function localExecutionName(release: string): string {
  return `local-${release.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 80);
}

/** The definition the local runner executes: Distributed Maps made inline, checked, timeouts made explicit. */
export function prepareDefinition(
  machine: ExtractedStateMachine,
  gateTimeoutSeconds?: number,
): { definition: AslDefinition; transformedMaps: readonly string[] } {
  const { definition, transformed, refused } = toInlineMaps(machine.definition);
  if (refused.length > 0) throw new UnfaithfulDefinition(refused);
  assertRunsFaithfully(definition, machine.functions);
  return { definition: withLocalTimeouts(definition, gateTimeoutSeconds), transformedMaps: transformed };
}

/** Every state of a definition with its name, those inside Map processors and Parallel branches too. */
function* allStates(states: AslDefinition['States']): Generator<[string, AslDefinition['States'][string]]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    const nested = state.ItemProcessor ?? state.Iterator;
    if (nested) yield* allStates(nested.States);
    for (const branch of state.Branches ?? []) yield* allStates(branch.States);
  }
}

function withMaxConcurrency(states: AslDefinition['States'], limit: number): void {
  for (const [, state] of allStates(states)) {
    if (state.Type === 'Map' && state.MaxConcurrency !== undefined) state.MaxConcurrency = limit;
  }
}

function findState(states: AslDefinition['States'], name: string): AslDefinition['States'][string] {
  for (const [stateName, state] of allStates(states)) if (stateName === name) return state;
  return undefined;
}

/**
 * Runs the state machine of a synthesized template with aws-local-stepfunctions: every Lambda task in
 * process through its real handler, gates simulated on `zerodown.gates` (see gate-wait.ts). Reports each
 * state entered and left, gates and backfill progress through `onEvent`, and resolves (never rejects
 * for a failed execution) with how it ended.
 *
 * @example
 * const result = await executeStateMachine({ template, handlers: createTaskHandlers(deps), connection,
 *   input: { release: 'v42' }, approveGates: true, log });
 */
export async function executeStateMachine(options: StateMachineExecutionOptions): Promise<LocalRunResult> {
  const { StateMachine } = await import('aws-local-stepfunctions');
  const started = Date.now();
  const emit = (event: LocalRunEvent) => options.onEvent?.(event);
  const machine = extractStateMachine(options.template, { logicalId: options.stateMachine });
  const { definition, transformedMaps } = prepareDefinition(machine, options.gateTimeoutSeconds);
  if (options.maxConcurrency !== undefined) withMaxConcurrency(definition.States, options.maxConcurrency);
  emit({
    type: 'synthesized',
    stateMachine: machine.logicalId,
    transformedMaps,
    ms: (options.synthesisMs ?? 0) + Date.now() - started,
  });

  const executionName = localExecutionName(options.input.release);
  const stateMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${machine.logicalId}`;
  const executionId = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machine.logicalId}:${executionName}`;
  const overrides = localTaskHandlers(definition, machine.functions, options.handlers, {
    awaitCallback: (callback) =>
      awaitGateDecision(callback, {
        connection: options.connection,
        databaseForDisplay: options.databaseForDisplay,
        approveGates: options.approveGates ?? false,
        pollMs: options.gatePollMs,
        timeoutSeconds:
          findState(definition.States, callback.stateName)?.TimeoutSeconds ?? MAX_LOCAL_TASK_TIMEOUT_SECONDS,
        heartbeatSeconds: findState(definition.States, callback.stateName)?.HeartbeatSeconds,
        onWaiting: (gate) => emit({ type: 'gate-waiting', state: callback.stateName, ...gate }),
        onDecided: (gate, automatically) =>
          emit({
            type: 'gate-decided',
            state: callback.stateName,
            release: gate.release,
            gate: gate.gate,
            decision: gate.decision ?? 'undecided',
            decidedBy: gate.decidedBy,
            automatically,
          }),
      }),
    onResult: (stateName, _task, payload, result) => {
      const progress = backfillProgress(payload, result);
      if (progress) emit({ type: 'backfill-progress', state: stateName, ...progress });
    },
  });

  emit({ type: 'execution-started', executionId, input: options.input });
  const execution = new StateMachine(definition as never, {
    validationOptions: { checkPaths: true, checkArn: true },
  }).run(options.input as never, {
    overrides: { taskResourceLocalHandlers: overrides as never },
    context: {
      Execution: { Id: executionId, Name: executionName },
      StateMachine: { Id: stateMachineArn, Name: machine.logicalId },
      Task: { Token: TASK_TOKEN_PLACEHOLDER },
    },
  });
  const tracking = trackStates(execution.eventLogs, emit, options.onHistory);
  let output: unknown;
  let failure: { error: string; cause: string } | undefined;
  try {
    output = await execution.result;
  } catch (error) {
    const inner = (error as { cause?: { name?: string; message?: string } }).cause;
    failure = {
      error: inner?.name ?? (error as Error).name,
      cause: inner?.message ?? (error as Error).message,
    };
  }
  const tracked = await tracking;
  const ms = Date.now() - started;
  if (!failure) {
    emit({ type: 'execution-succeeded', executionId, output, ms });
    return { status: 'succeeded', executionId, output, ms, stateMs: tracked.stateMs };
  }
  const failedState = tracked.failedStateFor(failure.error);
  emit({ type: 'execution-failed', executionId, state: failedState, ...failure, ms });
  return { status: 'failed', executionId, ...failure, failedState, ms, stateMs: tracked.stateMs };
}
