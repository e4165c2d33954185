import { resolve } from 'node:path';
import type { ConnectionOptions } from '../../core/db/connection.ts';
import type { Log } from '../../core/log.ts';
import type { TaskSettings } from '../../lambdas/task-handlers.ts';
import { extractStateMachine } from './definition.ts';
import type { LocalRunEvent } from './events.ts';
import { executeStateMachine, type LocalRunResult } from './execute-state-machine.ts';
import type { TaskHandler } from './handlers.ts';
import type { HistoryEntry } from './tracking.ts';

/** What `zerodown run --local` needs. */
export interface LocalRunRequest {
  readonly connection: ConnectionOptions;
  /** How the approve command shows the database (never with a real password). */
  readonly databaseForDisplay?: string;
  readonly migrationsDir: string;
  readonly input: { release: string; [field: string]: unknown };
  readonly approveGates?: boolean;
  readonly gateTimeoutSeconds?: number;
  readonly gatePollMs?: number;
  readonly settings?: Partial<TaskSettings>;
  readonly log: Log;
  readonly onEvent?: (event: LocalRunEvent) => void;
  /** Every entry of the execution's history (state inputs and outputs), in order. */
  readonly onHistory?: (entry: HistoryEntry) => void;
  /** A template synthesized earlier (the user's app, or tests that synthesize once per file). @default synthesizeExampleTemplate() */
  readonly template?: object;
  /** The logical id of the state machine to run, when the template has several. */
  readonly stateMachine?: string;
  /** Time the caller spent synthesizing `template`. */
  readonly synthesisMs?: number;
}

/**
 * Synthesizes the example stack of `infra/app.ts` with asset bundling skipped (no esbuild, no Docker:
 * only the template is needed) and returns the template of the stack that holds the orchestrator.
 *
 * @example
 * const template = await synthesizeExampleTemplate();
 */
export async function synthesizeExampleTemplate(migrationsDir = 'migrations'): Promise<object> {
  // imported when needed: loading aws-cdk-lib takes seconds that other commands should not pay
  const { buildExampleApp } = await import('../../infra/app.ts');
  // the example stack around the run's own migrations (its asset needs a directory that exists)
  const app = buildExampleApp({ 'aws:cdk:bundling-stacks': [] }, { migrationsDir: resolve(migrationsDir) });
  const assembly = app.synth();
  const stack = assembly.stacks.find((artifact) =>
    Object.values(artifact.template?.Resources ?? {}).some(
      // biome-ignore lint/suspicious/noExplicitAny: template resources
      (resource: any) => resource.Type === 'AWS::StepFunctions::StateMachine',
    ),
  );
  if (!stack) throw new Error('infra/app.ts synthesized no stack with a state machine');
  return stack.template;
}

/**
 * The task settings the construct gives its functions (their environment in the template, read by the
 * same `settingsFromEnv` the Lambdas use), with the local overrides on top.
 */
export async function settingsOfTemplate(
  template: object,
  overrides: Partial<TaskSettings> = {},
  stateMachine?: string,
): Promise<TaskSettings> {
  const { settingsFromEnv } = await import('../../lambdas/aws/deps.ts');
  const machine = extractStateMachine(template, { logicalId: stateMachine });
  // the functions this state machine invokes (a template may hold two orchestrators)
  const definition = JSON.stringify(machine.definition);
  const functions = [...machine.functions.values()].filter(
    (fn) => fn.task && (definition.includes(fn.arn) || definition.includes(`"${fn.logicalId}"`)),
  );
  const environment = functions[0]?.environment ?? {};
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...settingsFromEnv(environment), ...defined };
}

/** The in-process task handlers (`createTaskHandlers` of lambdas/task-handlers.ts) with local dependencies. */
export async function createLocalTaskHandlers(
  request: LocalRunRequest,
  settings: TaskSettings,
  emit: (event: LocalRunEvent) => void,
): Promise<Record<string, TaskHandler>> {
  const { createTaskHandlers } = await import('../../lambdas/task-handlers.ts');
  return createTaskHandlers({
    connection: async () => request.connection,
    migrationsDir: request.migrationsDir,
    log: request.log,
    settings,
    notify: async (notice: { subject: string; message: string }) =>
      emit({ type: 'notice', subject: notice.subject, message: notice.message }),
  });
}

/**
 * `zerodown run --local`: the synthesized state machine (of the user's app, else the example stack), run against a database
 * with the real task handlers in process. Same release, same execution: a crashed run resumes.
 *
 * @example
 * const result = await runReleaseLocally({ connection: { connection: url }, migrationsDir: 'migrations',
 *   input: { release: 'v42' }, approveGates: true, log });
 */
export async function runReleaseLocally(request: LocalRunRequest): Promise<LocalRunResult> {
  const emit = (event: LocalRunEvent) => request.onEvent?.(event);
  const synthStarted = Date.now();
  const template = request.template ?? (await synthesizeExampleTemplate(request.migrationsDir));
  request.log.debug(`synthesized the example stack in ${Date.now() - synthStarted} ms`);
  const settings = await settingsOfTemplate(template, request.settings, request.stateMachine);
  const handlers = await createLocalTaskHandlers(request, settings, emit);
  return await executeStateMachine({
    template,
    stateMachine: request.stateMachine,
    // --max-partitions changes how many partitions run side by side, as the construct's prop does
    maxConcurrency: request.settings?.maxPartitions,
    handlers,
    connection: request.connection,
    databaseForDisplay: request.databaseForDisplay,
    input: request.input,
    approveGates: request.approveGates,
    gateTimeoutSeconds: request.gateTimeoutSeconds,
    gatePollMs: request.gatePollMs,
    synthesisMs: (request.synthesisMs ?? 0) + Date.now() - synthStarted,
    log: request.log,
    onEvent: emit,
    onHistory: request.onHistory,
  });
}
