import { type Command, InvalidArgumentError, Option } from 'commander';
import type { RunOptions } from '../actions/run.ts';
import { durationArgument, positiveInteger } from '../options.ts';
import { withWorkflowInputOptions } from '../workflow-input-options.ts';

function jsonObject(value: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(`--input must be a JSON object, e.g. '{"dryRun":true}'`);
}

/**
 * The options of a local run of the synthesized state machine, shared by `run --local` and
 * `fleet retry` (which is such a run, over the failed targets): the app, the release, gates, settings.
 */
export function withLocalRunOptions(command: Command): Command {
  return withWorkflowInputOptions(command)
    .option('--migrations <dir>', 'migrations directory', './migrations')
    .option(
      '--app <command>',
      'the CDK app to synthesize, as cdk takes it: a command, or a cloud assembly directory (default: "app" of ./cdk.json, else the example app)',
    )
    .option('--template <file>', 'run the state machine of this synthesized CloudFormation template')
    .option(
      '--state-machine <id>',
      'which state machine, when the app has several: its logical id or construct path',
    )
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
      'how long one backfill chunk task runs (default: the construct’s)',
      durationArgument('--chunk-budget'),
    )
    .option(
      '--target-batch <duration>',
      'backfill batch duration to aim for (default: the construct’s)',
      durationArgument('--target-batch'),
    )
    .option(
      '--max-partitions <n>',
      'backfill partitions side by side: the task setting and the Map’s MaxConcurrency (default: the construct’s)',
      positiveInteger,
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--verbose', 'more log lines');
}

/**
 * `zerodown run --local`: runs the synthesized state machine on this machine, tasks in process. The
 * implementation (aws-cdk-lib, the local runner, embedded PostgreSQL) is loaded only when it runs.
 */
export function registerRun(program: Command): void {
  const command = withLocalRunOptions(
    program
      .command('run')
      .description(
        'run the state machine of your CDK app locally: the synthesized definition, the real task code',
      )
      .option('--local', 'run on this machine (the only mode; zerodown start runs the deployed workflow)')
      .addOption(
        new Option('--database-url <url>', 'PostgreSQL URL (default: a throwaway embedded PostgreSQL)').env(
          'DATABASE_URL',
        ),
      )
      .option(
        '--history <file>',
        "write the execution's history (every state's input and output, as the Step Functions console shows it) to this file, one JSON object per line",
      )
      .option(
        '--fleet <file>',
        'roll the release out over a fleet with the fleet workflow: a JSON array of targets [{"name","databaseUrl"}, …]',
      ),
  );
  withFleetOptions(command).action(async (options: RunOptions) => {
    if (options.fleet) {
      // the fleet file names every database (--database-url, maybe from DATABASE_URL, is not used)
      const { runFleetLocal } = await import('../actions/fleet.ts');
      const { loadFleetFile } = await import('../fleet/fleet-file.ts');
      if (!options.local) {
        const { runLocal } = await import('../actions/run.ts');
        await runLocal(options); // refuses, saying how to run the deployed workflow
        return;
      }
      await runFleetLocal(options, await loadFleetFile(options.fleet));
      return;
    }
    const { runLocal } = await import('../actions/run.ts');
    await runLocal(options);
  });
}

function percentage(value: string): number {
  const number = Number(value);
  if (!(value.trim() !== '' && number >= 0 && number <= 100)) {
    throw new InvalidArgumentError(`expected a percentage from 0 to 100, got "${value}"`);
  }
  return number;
}

function wholeNumber(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new InvalidArgumentError(`expected a whole number (0 or more), got "${value}"`);
  }
  return number;
}

/** The options of a fleet rollout: the canary, the waves and their failure budget, targets at once. */
export function withFleetOptions(command: Command): Command {
  return command
    .option(
      '--canary <n>',
      'fleet: targets rolled out first, alone; any failure stops the rollout (default 1)',
      wholeNumber,
    )
    .option(
      '--wave-size <n>',
      'fleet: targets per wave after the canary (default: the rest in one wave)',
      positiveInteger,
    )
    .option(
      '--tolerated-failure-percentage <percent>',
      'fleet: failed targets a wave tolerates, in percent (default: the construct’s, 10)',
      percentage,
    )
    .addOption(
      new Option(
        '--on-failure <what>',
        'fleet: a stopped rollout holds the expanded targets or rolls them back',
      ).choices(['hold', 'rollback']),
    )
    .option(
      '--max-concurrency <n>',
      'fleet: targets rolled out at once (default: the construct’s, 8)',
      positiveInteger,
    );
}
