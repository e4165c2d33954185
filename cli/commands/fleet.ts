import { type Command, Option } from 'commander';
import type { FleetRunOptions, FleetStatusOptions } from '../actions/fleet.ts';
import type { RunOptions } from '../actions/run.ts';
import { withFleetOptions, withLocalRunOptions } from './run.ts';

/** `zerodown fleet status|retry`: where every target of a fleet stands, and re-running the failed ones. */
export function registerFleet(program: Command): void {
  const fleet = program
    .command('fleet')
    .description('fleet rollouts: where every target stands, and retrying the failed ones');
  fleet
    .command('status')
    .description(
      'show every target of a fleet: version applied, last rollout (status, release, gate, duration, error); exit 1 when one failed or cannot be reached',
    )
    .requiredOption(
      '--fleet <file>',
      'the fleet: a JSON array of targets [{"name","databaseUrl"|"secretArn"}, …]',
    )
    .addOption(
      new Option('--format <format>', 'output format (markdown: a table for a pull request or status page)')
        .choices(['text', 'json', 'markdown'])
        .default('text'),
    )
    .action(async (options: FleetStatusOptions) => {
      const { runFleetStatus } = await import('../actions/fleet.ts');
      await runFleetStatus(options);
    });
  // a local run of the fleet workflow over the failed targets: run --local --fleet's options
  const retry = withLocalRunOptions(
    fleet
      .command('retry')
      .description(
        'roll out again, locally, over only the targets whose last rollout failed (with their release unless --release says)',
      )
      .requiredOption('--fleet <file>', 'the fleet: a JSON array of targets [{"name","databaseUrl"}, …]')
      .option('--failed', 'retry the targets whose last rollout failed (the selection there is)'),
  );
  withFleetOptions(retry).action(async (options: RunOptions & FleetRunOptions & { failed?: boolean }) => {
    const { runFleetRetry } = await import('../actions/fleet.ts');
    await runFleetRetry({ ...options, releaseGiven: retry.getOptionValueSource('release') === 'cli' });
  });
}
