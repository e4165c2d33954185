import { type Command, Option } from 'commander';
import { parseDuration } from '../../core/duration.ts';
import { InvalidInput, LintFailed } from '../../core/errors.ts';
import { lintBeforeApply, loadLintConfig } from '../../core/lint/index.ts';
import { newRunId } from '../../core/locks/hold.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { assertKnownVersion, pendingMigrations } from '../../core/migrations/pending.ts';
import { applyRelease } from '../../core/runner/release.ts';
import { readApplied } from '../../core/state/records.ts';
import { holdLocksUntilInterrupted } from '../interrupt.ts';
import { type CommonOptions, requireDatabaseUrl, versionArgument, withCommonOptions } from '../options.ts';
import { stderrLog } from '../output.ts';
import { withConnection } from '../session.ts';

interface UpOptions extends CommonOptions {
  phase: 'expand' | 'contract' | 'all';
  to?: string;
  waitForLock: string;
  release?: string;
  allowLintErrors?: string;
  outOfOrder?: boolean;
}

/** `zerodown up`: applies pending migrations of a phase while holding the lease and advisory locks. */
export function registerUp(program: Command): void {
  withCommonOptions(
    program
      .command('up')
      .description('apply pending migrations (expand by default) under lock_timeout with retries')
      .addOption(
        new Option('--phase <phase>', 'which phase to apply')
          .choices(['expand', 'contract', 'all'])
          .default('expand'),
      )
      .option('--to <version>', 'stop after this version', versionArgument('--to'))
      .option('--out-of-order', 'apply expand migrations older than the newest applied one')
      .option(
        '--wait-for-lock <duration>',
        'wait this long for another run to finish instead of failing',
        '0s',
      )
      .option('--release <name>', 'release name recorded with the lock')
      .option(
        '--allow-lint-errors <reason>',
        'apply despite lint errors; the reason is recorded with each migration applied',
      ),
  ).action(async (options: UpOptions) => {
    const log = stderrLog({ verbose: options.verbose });
    requireDatabaseUrl(options); // a usage error (exit 2) before anything else
    if (options.allowLintErrors !== undefined && options.allowLintErrors.trim() === '') {
      throw new InvalidInput(
        '--allow-lint-errors needs the reason a person takes responsibility for the errors',
      );
    }
    const lintConfig = await loadLintConfig(process.cwd());
    const migrations = await loadMigrations(options.migrations);
    assertKnownVersion(migrations, options.to, '--to');
    const executionId = newRunId();
    await withConnection(options, async (client, connection) => {
      // lint what is about to be applied, before any lock or change; errors stop here (LintFailed)
      const pending = pendingMigrations(migrations, await readApplied(client), {
        phases: options.phase === 'all' ? ['expand', 'backfill', 'contract'] : [options.phase],
        to: options.to,
      });
      let lintOverride: string | undefined;
      let lintFailure: LintFailed | undefined;
      try {
        ({ lintOverride } = await lintBeforeApply(migrations, {
          pending: pending.map((m) => m.id),
          config: lintConfig,
          allowLintErrors: options.allowLintErrors,
          log,
        }));
      } catch (error) {
        // a dry run still shows what would run; it then fails with the findings, as the real run would
        if (!(options.dryRun && error instanceof LintFailed)) throw error;
        lintFailure = error;
      }
      const run = async () => {
        const count = await applyRelease(client, migrations, {
          phase: options.phase,
          to: options.to,
          executionId,
          log,
          dryRun: options.dryRun,
          lintOverride,
          connection,
          outOfOrder: options.outOfOrder,
        });
        log.info(
          options.dryRun
            ? `dry run: ${count} migration(s) would be applied`
            : count === 0
              ? 'nothing to apply: the database is up to date'
              : `applied ${count} migration(s)`,
        );
      };
      if (options.dryRun) {
        await run();
        if (lintFailure) throw lintFailure;
        return;
      }
      await holdLocksUntilInterrupted(
        client,
        connection,
        {
          owner: executionId,
          release: options.release,
          waitMs: parseDuration(options.waitForLock, '--wait-for-lock'),
          log,
        },
        run,
      );
    });
  });
}
