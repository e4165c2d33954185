import type { ConnectionOptions } from '../../core/db/connection.ts';
import type { Log } from '../../core/log.ts';
import type { LocalRunEvent } from './events.ts';
import type { TaskHandler } from './handlers.ts';
import { type LocalRunResult, runLocalStateMachine } from './run.ts';

/** Settings the task handlers take (TaskDeps.settings in lambdas/tasks.ts). */
export interface LocalTaskSettings {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  targetBatchMs: number;
  maxPartitions: number;
  leaseTtlMs: number;
  chunkBudgetMs: number;
}

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
  readonly settings?: Partial<LocalTaskSettings>;
  readonly log: Log;
  readonly onEvent?: (event: LocalRunEvent) => void;
}

/**
 * Synthesizes the example stack of `infra/app.ts` with asset bundling skipped (no esbuild, no Docker:
 * only the template is needed) and returns the template of the stack that holds the orchestrator.
 *
 * @example
 * const template = await synthesizeExampleTemplate();
 */
export async function synthesizeExampleTemplate(): Promise<object> {
  const appModule = '../../infra/app.ts'; // a variable: infra/ lands separately
  // biome-ignore lint/suspicious/noExplicitAny: the example app's module
  const { buildExampleApp } = (await import(appModule)) as any;
  const app = buildExampleApp({ 'aws:cdk:bundling-stacks': [] });
  const assembly = app.synth();
  // biome-ignore lint/suspicious/noExplicitAny: cloud assembly stack artifacts
  const stack = assembly.stacks.find((artifact: any) =>
    Object.values(artifact.template?.Resources ?? {}).some(
      // biome-ignore lint/suspicious/noExplicitAny: template resources
      (resource: any) => resource.Type === 'AWS::StepFunctions::StateMachine',
    ),
  );
  if (!stack) throw new Error('infra/app.ts synthesized no stack with a state machine');
  return stack.template;
}

/** The in-process task handlers (`createTaskHandlers` of lambdas/tasks.ts) with local dependencies. */
export async function createLocalTaskHandlers(
  request: LocalRunRequest,
  settings: LocalTaskSettings,
  emit: (event: LocalRunEvent) => void,
): Promise<Record<string, TaskHandler>> {
  const tasksModule = '../../lambdas/tasks.ts';
  // biome-ignore lint/suspicious/noExplicitAny: the task handlers module
  const { createTaskHandlers } = (await import(tasksModule)) as any;
  return createTaskHandlers({
    connection: async () => request.connection,
    migrationsDir: request.migrationsDir,
    log: request.log,
    settings,
    notify: async (notice: { subject: string; message: string }) =>
      emit({ type: 'notice', state: notice.subject, message: notice.message }),
  });
}

/**
 * `zerodown run --local`: the synthesized state machine of the example stack, run against a database
 * with the real task handlers in process. Same release, same execution: a crashed run resumes.
 *
 * @example
 * const result = await runLocal({ connection: { connection: url }, migrationsDir: 'migrations',
 *   input: { release: 'v42' }, approveGates: true, log });
 */
export async function runLocal(request: LocalRunRequest): Promise<LocalRunResult> {
  const emit = (event: LocalRunEvent) => request.onEvent?.(event);
  const settings: LocalTaskSettings = {
    lockTimeoutMs: request.connection.lockTimeoutMs ?? 500,
    statementTimeoutMs: request.connection.statementTimeoutMs ?? 0,
    targetBatchMs: 100,
    maxPartitions: 2,
    leaseTtlMs: 120_000,
    chunkBudgetMs: 20_000,
    ...request.settings,
  };
  const synthStarted = Date.now();
  const template = await synthesizeExampleTemplate();
  request.log.debug(`synthesized the example stack in ${Date.now() - synthStarted} ms`);
  const handlers = await createLocalTaskHandlers(request, settings, emit);
  return await runLocalStateMachine({
    template,
    handlers,
    connection: request.connection,
    databaseForDisplay: request.databaseForDisplay,
    input: request.input,
    approveGates: request.approveGates,
    gateTimeoutSeconds: request.gateTimeoutSeconds,
    gatePollMs: request.gatePollMs,
    log: request.log,
    onEvent: emit,
  });
}
