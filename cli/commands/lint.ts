import { type Command, Option } from 'commander';
import { LINT_FORMATS, type LintFormat } from '../../core/lint/format.ts';
import type { LintPhase } from '../../core/lint/types.ts';
import { requestExit } from '../exit.ts';

interface LintCommandOptions {
  phase?: LintPhase;
  format: LintFormat;
  migrations?: string;
}

/**
 * `zerodown lint [--phase expand|contract] [--format text|json|github|markdown] [--migrations <dir>] [PATH...]`:
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
    .action(async (paths: string[], options: LintCommandOptions, command: Command) => {
      const { formatFindings, hasErrors, lintPaths, loadLintConfig } = await import(
        '../../core/lint/index.ts'
      );
      // paths given: those (and --migrations too when it was given as well); none: the migrations directory
      const given = command.getOptionValueSource('migrations') === 'cli';
      const targets =
        paths.length === 0 ? [options.migrations!] : given ? [options.migrations!, ...paths] : paths;
      const config = await loadLintConfig(process.cwd());
      const findings = await lintPaths(targets, { phase: options.phase, config });
      const output = formatFindings(findings, options.format);
      if (output) process.stdout.write(`${output}\n`);
      if (hasErrors(findings)) requestExit(1);
    });
}
