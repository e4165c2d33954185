import { resolve } from 'node:path';
import { InvalidInput } from '../../core/errors.ts';
import type { FleetTarget } from '../../lambdas/fleet-events.ts';
import type { LocalRunEvent } from './events.ts';
import { executeStateMachine, type LocalRunResult } from './execute-state-machine.ts';
import { type LocalRunRequest, settingsOfTemplate } from './run-release.ts';

/** What `zerodown run --local --fleet` needs: a local run's request, with targets instead of one database. */
export interface LocalFleetRunRequest
  extends Omit<LocalRunRequest, 'connection' | 'databaseForDisplay' | 'input'> {
  /** The fleet: every target with its `databaseUrl`. */
  readonly targets: readonly FleetTarget[];
  /** The fleet input besides the targets (release, canary, waveSize, toleratedFailurePercentage, …). */
  readonly input: { release: string; [field: string]: unknown };
  /** Targets rolled out at once: replaces every Map's MaxConcurrency. @default the construct's */
  readonly maxConcurrency?: number;
}

/**
 * A copy of `value` with the password of every postgres:// URL in it replaced by `***`: the fleet's
 * targets travel in the state, and the events of a local run print it.
 *
 * @example
 * redactUrlPasswords({ databaseUrl: 'postgres://app:secret@db/t1' }); // { databaseUrl: 'postgres://app:***@db/t1' }
 */
export function redactUrlPasswords<T>(value: T): T {
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  return JSON.parse(text.replace(/(postgres(?:ql)?:\/\/[^:@/\s"]*:)[^@\s"]*@/g, '$1***@'));
}

/**
 * Synthesizes the example fleet stack (infra/fleet-app.ts) without bundling and returns its template.
 *
 * @example
 * const template = await synthesizeExampleFleetTemplate('migrations');
 */
export async function synthesizeExampleFleetTemplate(migrationsDir = 'migrations'): Promise<object> {
  const { buildExampleFleetApp } = await import('../../infra/fleet-app.ts');
  const app = buildExampleFleetApp(
    { 'aws:cdk:bundling-stacks': [] },
    { migrationsDir: resolve(migrationsDir) },
  );
  return app.synth().getStackByName('ZerodownFleetExample').template;
}

/**
 * `zerodown run --local --fleet`: the synthesized fleet state machine run on this machine, every
 * target's tasks in process against the target's `databaseUrl`. The fleet's gate is recorded in the
 * first target's database (`zerodown gate approve --database-url <first target>`).
 *
 * @example
 * const result = await runFleetLocally({ targets: [{ name: 't1', databaseUrl }], migrationsDir: 'migrations',
 *   input: { release: 'v42' }, approveGates: true, log });
 */
export async function runFleetLocally(request: LocalFleetRunRequest): Promise<LocalRunResult> {
  const emit = (event: LocalRunEvent) => request.onEvent?.(redactUrlPasswords(event));
  const first = request.targets[0];
  if (!first?.databaseUrl) {
    throw new InvalidInput('a local fleet needs at least one target, each with a databaseUrl');
  }
  const synthStarted = Date.now();
  const template = request.template ?? (await synthesizeExampleFleetTemplate(request.migrationsDir));
  const settings = await settingsOfTemplate(template, request.settings, request.stateMachine);
  const { createTaskHandlers } = await import('../../lambdas/task-handlers.ts');
  const handlers = createTaskHandlers({
    connection: async (options = {}) => {
      const url = options.target?.databaseUrl;
      if (!url) {
        throw new InvalidInput(
          `target ${options.target?.name ?? '(none)'} has no databaseUrl: a local fleet reaches every target by its URL`,
        );
      }
      return { connection: url };
    },
    migrationsDir: request.migrationsDir,
    log: request.log,
    settings,
    notify: async (notice) => emit({ type: 'notice', subject: notice.subject, message: notice.message }),
  });
  const { targets, input, settings: _settings, migrationsDir: _dir, onEvent: _onEvent, ...run } = request;
  return await executeStateMachine({
    ...run,
    template,
    handlers,
    // the fleet's gate is recorded in the first target, where the local gate waits for its decision
    connection: { connection: first.databaseUrl },
    input: { ...input, targets },
    synthesisMs: (request.synthesisMs ?? 0) + Date.now() - synthStarted,
    onEvent: emit,
  });
}
