import { type Command, Option } from 'commander';
import type { UpOptions } from '../actions/up.ts';
import { durationOption, formatOption, versionArgument, withCommonOptions } from '../options.ts';

/** `zerodown up`: applies pending migrations of a phase while holding the lease and advisory locks. */
export function registerUp(program: Command): void {
  withCommonOptions(
    program
      .command('up')
      .description('apply pending migrations (expand by default) under lock_timeout with retries')
      .addOption(
        new Option('--phase <phase>', 'which phase to apply (all: expand, the backfills, then contract)')
          .choices(['expand', 'contract', 'all'])
          .default('expand'),
      )
      .option('--to <version>', 'stop after this version', versionArgument('--to'))
      .option('--out-of-order', 'apply expand migrations older than the newest applied one')
      .addOption(
        durationOption(
          '--wait-for-lock <duration>',
          'wait this long for another run to finish instead of failing',
          0,
        ),
      )
      .option('--release <name>', 'release name recorded with the lock')
      .option(
        '--allow-lint-errors <reason>',
        'apply despite lint errors; the reason is recorded with each migration applied',
      )
      .addOption(formatOption()),
  ).action(async (options: UpOptions) => {
    const { runUp } = await import('../actions/up.ts');
    await runUp(options);
  });
}
