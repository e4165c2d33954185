import { type Command, InvalidArgumentError, Option } from 'commander';
import { LINT_FORMATS, type LintFormat } from '../../core/lint/format.ts';
import type { LintPhase } from '../../core/lint/types.ts';
import { requestExit } from '../exit.ts';

interface LintCommandOptions {
  phase?: LintPhase;
  format: LintFormat;
  migrations?: string;
  pgVersion?: number;
}

// a PostgreSQL major: 9 to 30 (major versions are whole numbers since 10)
function pgMajor(value: string): number {
  const major = Number(value);
  if (!Number.isInteger(major) || major < 9 || major > 30) {
    throw new InvalidArgumentError(`"${value}" is not a PostgreSQL major version; give one like 15`);
  }
  return major;
}

/**
 * `zerodown lint [--phase expand|contract] [--format text|json|github|markdown] [--pg-version N] [--migrations <dir>] [PATH...]`:
 * exit 1 when a finding is an error, 0 otherwise, 2 on usage errors. Findings go to stdout (JSON: one
 * object). The linter and its parser load only once the command runs.
 */
export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('lint migrations with the PostgreSQL parser, knowing their phase (exit 1 on errors)')
    .argument('[paths...]', 'migration files or directories (default: --migrations)')
    .option('--migrations <dir>', 'migrations directory, as the other commands take it', './migrations')
    .addOption(
      new Option('--phase <phase>', 'lint as this phase (default: the phase in each file name)').choices([
        'expand',
        'contract',
      ]),
    )
    .addOption(new Option('--format <format>', 'output format').choices([...LINT_FORMATS]).default('text'))
    .option(
      '--pg-version <major>',
      'PostgreSQL major version the migrations will run on (default: lint.pgVersion in zerodown.config.json, else a current one)',
      pgMajor,
    )
    .action(async (paths: string[], options: LintCommandOptions, command: Command) => {
      const { formatFindings, hasErrors, lintPaths, loadLintConfig } = await import(
        '../../core/lint/index.ts'
      );
      // paths given: those (and --migrations too when it was given as well); none: the migrations directory
      const given = command.getOptionValueSource('migrations') === 'cli';
      const targets =
        paths.length === 0 ? [options.migrations!] : given ? [options.migrations!, ...paths] : paths;
      const config = await loadLintConfig(process.cwd());
      const findings = await lintPaths(targets, {
        phase: options.phase,
        config,
        pgVersion: options.pgVersion,
      });
      const output = formatFindings(findings, options.format);
      if (output) process.stdout.write(`${output}\n`);
      if (hasErrors(findings)) requestExit(1);
    });
}
