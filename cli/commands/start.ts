import { type Command, Option } from 'commander';
import type { StartOptions } from '../actions/start.ts';
import { durationOption } from '../options.ts';
import { withWorkflowInputOptions } from '../workflow-input-options.ts';

/** `zerodown start`: starts the deployed workflow for a release (CI/CD), optionally waiting for its gate or end. */
export function registerStart(program: Command): void {
  withWorkflowInputOptions(program.command('start'))
    .description('start the deployed migration workflow for a release (AWS Step Functions)')
    .addOption(
      new Option('--state-machine-arn <arn>', 'the orchestrator state machine').env(
        'ZERODOWN_STATE_MACHINE_ARN',
      ),
    )
    .requiredOption('--release <name>', 'release name, e.g. the app version being deployed')
    .option('--wait', 'wait until the execution waits at a gate or ends; exit 1 if it fails')
    .addOption(durationOption('--wait-timeout <duration>', 'how long --wait waits', 3_600_000))
    .addOption(durationOption('--poll-interval <duration>', 'how often --wait polls', 5_000))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--region <region>', 'AWS region (default: the SDK configuration)')
    .action(async (options: StartOptions) => {
      const { runStart } = await import('../actions/start.ts');
      await runStart(options);
    });
}
