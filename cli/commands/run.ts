import { type Command, InvalidArgumentError, Option } from 'commander';
import { formatDuration } from '../../core/duration.ts';
import { InvalidInput } from '../../core/errors.ts';
import { startEmbeddedPostgres } from '../embedded-postgres.ts';
import { requestExit } from '../exit.ts';
import { formatEvent, type LocalRunEvent } from '../local-runner/events.ts';
import type { LocalRunResult } from '../local-runner/execute-state-machine.ts';
import { runReleaseLocally } from '../local-runner/run-release.ts';
import { durationArgument, positiveInteger } from '../options.ts';
import { stderrLog } from '../output.ts';
import {
  type WorkflowInputOptions,
  withWorkflowInputOptions,
  workflowInputOf,
} from '../workflow-input-options.ts';

interface RunOptions extends WorkflowInputOptions {
  local?: boolean;
  databaseUrl?: string;
  migrations: string;
  approveGates?: boolean;
  gateTimeout?: number;
  input?: Record<string, unknown>;
  lockTimeout?: number;
  statementTimeout?: number;
  chunkBudget?: number;
  targetBatch?: number;
  maxPartitions?: number;
  format: 'text' | 'json';
  verbose?: boolean;
}

function jsonObject(value: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(`--input must be a JSON object, e.g. '{"dryRun":true}'`);
}

/** The workflow input of a local run: the same document `zerodown start` sends to Step Functions. */
export function localWorkflowInput(options: RunOptions): { release: string; [field: string]: unknown } {
  return { ...workflowInputOf(options), ...options.input };
}

function printSummary(result: LocalRunResult): void {
  const lines = Object.entries(result.stateMs).map(
    ([state, ms]) => `  ${state.padEnd(20)} ${formatDuration(ms).padStart(8)}`,
  );
  process.stdout.write(
    `time per state:\n${lines.join('\n')}\n  ${'total'.padEnd(20)} ${formatDuration(result.ms).padStart(8)}\n`,
  );
}

/** `zerodown run --local`: runs the synthesized state machine on this machine, tasks in process. */
export function registerRun(program: Command): void {
  withWorkflowInputOptions(program.command('run'))
    .description('run the orchestrator state machine locally: the synthesized definition, the real task code')
    .option('--local', 'run on this machine (the only mode; zerodown start runs the deployed workflow)')
    .addOption(
      new Option('--database-url <url>', 'PostgreSQL URL (default: a throwaway embedded PostgreSQL)').env(
        'DATABASE_URL',
      ),
    )
    .option('--migrations <dir>', 'migrations directory', './migrations')
    .option('--release <name>', 'release name; the same release again resumes a crashed run', 'local')
    .option('--approve-gates', 'approve every gate at once (saying so) instead of waiting')
    .option(
      '--gate-timeout <duration>',
      'how long a gate waits (default: the definition’s)',
      durationArgument('--gate-timeout'),
    )
    .option('--input <json>', 'more workflow input fields as JSON, merged last', jsonObject)
    .option(
      '--lock-timeout <duration>',
      'lock_timeout for every statement (default: the construct’s, 500ms)',
      durationArgument('--lock-timeout'),
    )
    .option(
      '--statement-timeout <duration>',
      'statement_timeout (default: the construct’s, 10m)',
      durationArgument('--statement-timeout'),
    )
    .option(
      '--chunk-budget <duration>',
      'how long one backfill chunk task runs',
      durationArgument('--chunk-budget'),
    )
    .option(
      '--target-batch <duration>',
      'backfill batch duration to aim for',
      durationArgument('--target-batch'),
    )
    .option('--max-partitions <n>', 'backfill partitions side by side', positiveInteger)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--verbose', 'more log lines')
    .action(async (options: RunOptions) => {
      if (!options.local) {
        throw new InvalidInput(
          'only --local runs here; to run the deployed workflow use "zerodown start --wait"',
        );
      }
      const log = stderrLog({ verbose: options.verbose });
      const print = (event: LocalRunEvent) => {
        if (options.format === 'json') {
          process.stdout.write(`${JSON.stringify(event)}\n`);
          return;
        }
        const line = formatEvent(event);
        if (line) process.stdout.write(`${line}\n`);
      };
      let databaseUrl = options.databaseUrl;
      let display: string | undefined;
      const embedded = databaseUrl ? undefined : await startEmbeddedPostgres();
      if (embedded) {
        databaseUrl = embedded.url;
        // the throwaway server's fixed local password: the approve command must work when pasted
        display = embedded.url;
        log.info(
          `no --database-url: started an embedded PostgreSQL at ${embedded.url} (gone when this run ends)`,
        );
      }
      try {
        const result = await runReleaseLocally({
          connection: { connection: databaseUrl! },
          databaseForDisplay: display,
          migrationsDir: options.migrations,
          input: localWorkflowInput(options),
          settings: {
            lockTimeoutMs: options.lockTimeout,
            statementTimeoutMs: options.statementTimeout,
            ...(options.chunkBudget !== undefined && { chunkBudgetMs: options.chunkBudget }),
            ...(options.targetBatch !== undefined && { targetBatchMs: options.targetBatch }),
            ...(options.maxPartitions !== undefined && { maxPartitions: options.maxPartitions }),
          },
          approveGates: options.approveGates,
          gateTimeoutSeconds: options.gateTimeout
            ? Math.max(1, Math.round(options.gateTimeout / 1000))
            : undefined,
          log,
          onEvent: print,
        });
        if (options.format === 'text') printSummary(result);
        if (result.status === 'failed') requestExit(1);
      } finally {
        await embedded?.stop();
      }
    });
}
