import { type Command, Option } from 'commander';
import {
  formatFindings,
  hasErrors,
  LINT_FORMATS,
  type LintFormat,
  lintPaths,
  loadLintConfig,
} from '../../core/lint/index.ts';
import type { LintPhase } from '../../core/lint/types.ts';
import { requestExit } from '../exit.ts';

interface LintCommandOptions {
  phase?: LintPhase;
  format: LintFormat;
}

/**
 * `zerodown lint [--phase expand|contract] [--format text|json|github|markdown] [PATH...]`: exit 1 when
 * a finding is an error, 0 otherwise, 2 on usage errors. Findings go to stdout (JSON: one object).
 */
export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('lint migrations with the PostgreSQL parser, knowing their phase (exit 1 on errors)')
    .argument('[paths...]', 'migration files or directories', ['./migrations'])
    .addOption(
      new Option('--phase <phase>', 'lint as this phase (default: the phase in each file name)').choices([
        'expand',
        'contract',
      ]),
    )
    .addOption(new Option('--format <format>', 'output format').choices([...LINT_FORMATS]).default('text'))
    .action(async (paths: string[], options: LintCommandOptions) => {
      const config = await loadLintConfig(process.cwd());
      const findings = await lintPaths(paths, { phase: options.phase, config });
      const output = formatFindings(findings, options.format);
      if (output) process.stdout.write(`${output}\n`);
      if (hasErrors(findings)) requestExit(1);
    });
}
