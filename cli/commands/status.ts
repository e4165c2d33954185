import type { Command } from 'commander';
import type { StatusOptions } from '../actions/status.ts';
import { formatOption, withCommonOptions } from '../options.ts';

/** `zerodown status`: every migration's state, the lock holder, the last rollback stop. */
export function registerStatus(program: Command): void {
  withCommonOptions(
    program
      .command('status')
      .description(
        'show which migrations are applied, pending, drifted or missing, and who holds the lock; exit 1 when a file drifted or is half applied (a person must look)',
      )
      .addOption(formatOption()),
    { lockTimeout: false, dryRun: false, verbose: false },
  ).action(async (options: StatusOptions) => {
    const { runStatus } = await import('../actions/status.ts');
    await runStatus(options);
  });
}
