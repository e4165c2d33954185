import { InvalidInput, LintFailed } from '../../core/errors.ts';
import { lintBeforeApply, loadLintConfig } from '../../core/lint/index.ts';
import { newRunId } from '../../core/locks/hold.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { assertKnownVersion, pendingMigrations } from '../../core/migrations/pending.ts';
import { applyRelease, type ReleaseResult } from '../../core/runner/release.ts';
import { readApplied } from '../../core/state/records.ts';
import { holdLocksUntilInterrupted } from '../interrupt.ts';
import { type CommonOptions, requireDatabaseUrl } from '../options.ts';
import { type OutputFormat, printResult, stderrLog } from '../output.ts';
import { withConnectionWhile } from '../session.ts';

/** The options of `zerodown up` (cli/commands/up.ts). */
export interface UpOptions extends CommonOptions {
  phase: 'expand' | 'contract' | 'all';
  to?: string;
  waitForLock: number;
  release?: string;
  allowLintErrors?: string;
  outOfOrder?: boolean;
  format: OutputFormat;
}

/** What `zerodown up --format json` prints (besides `ok`). */
export interface UpResult extends ReleaseResult {
  readonly dryRun: boolean;
  readonly phase: UpOptions['phase'];
}

/** Lints, takes the locks and applies the pending migrations of `--phase` (a dry run takes no lock). */
export async function runUp(options: UpOptions): Promise<void> {
  const log = stderrLog({ verbose: options.verbose });
  requireDatabaseUrl(options); // a usage error (exit 2) before anything else
  if (options.allowLintErrors !== undefined && options.allowLintErrors.trim() === '') {
    throw new InvalidInput(
      '--allow-lint-errors needs the reason a person takes responsibility for the errors',
    );
  }
  const dryRun = options.dryRun === true;
  const work = async (): Promise<UpResult & { failure?: Error }> => {
    const prepare = async () => {
      const lintConfig = await loadLintConfig(process.cwd());
      const migrations = await loadMigrations(options.migrations);
      assertKnownVersion(migrations, options.to, '--to');
      return { lintConfig, migrations };
    };
    const executionId = newRunId();
    return await withConnectionWhile(
      options,
      prepare,
      async (client, connection, { lintConfig, migrations }) => {
        // lint what is about to be applied, before any lock or change; errors stop here (LintFailed)
        const pending = pendingMigrations(migrations, await readApplied(client), {
          phases: options.phase === 'all' ? ['expand', 'backfill', 'contract'] : [options.phase],
          to: options.to,
        });
        let lintOverride: string | undefined;
        let failure: LintFailed | undefined;
        try {
          ({ lintOverride } = await lintBeforeApply(migrations, {
            pending: pending.map((m) => m.id),
            config: lintConfig,
            allowLintErrors: options.allowLintErrors,
            log,
          }));
        } catch (error) {
          // a dry run still shows what would run; it then fails with the findings, as the real run would
          if (!(dryRun && error instanceof LintFailed)) throw error;
          failure = error;
        }
        const release = () =>
          applyRelease(client, migrations, {
            phase: options.phase,
            to: options.to,
            executionId,
            log,
            dryRun,
            showSql: options.format === 'json' ? () => {} : (sql) => process.stdout.write(`${sql}\n`),
            lintOverride,
            connection,
            outOfOrder: options.outOfOrder,
          });
        const result = dryRun
          ? await release()
          : await holdLocksUntilInterrupted(
              client,
              connection,
              { owner: executionId, release: options.release, waitMs: options.waitForLock, log },
              release,
            );
        const count = result.steps.length;
        log.info(
          dryRun
            ? `dry run: ${count} migration(s) would be applied`
            : count === 0
              ? 'nothing to apply: the database is up to date'
              : `applied ${count} migration(s)`,
        );
        return { dryRun, phase: options.phase, ...result, ...(failure ? { failure } : {}) };
      },
    );
  };
  await printResult(options.format, work);
}
