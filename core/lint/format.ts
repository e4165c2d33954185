import type { LintFinding } from './types.ts';

/** Output formats of `zerodown lint --format`. */
export const LINT_FORMATS = ['text', 'json', 'github', 'markdown'] as const;
export type LintFormat = (typeof LINT_FORMATS)[number];

function summary(findings: readonly LintFinding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  if (findings.length === 0) return 'no findings';
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

function text(findings: readonly LintFinding[]): string {
  const lines = findings.map((f) => {
    const hint = f.hint.split('\n').join('\n        ');
    return `${f.file}:${f.line}:${f.column}: ${f.severity} ${f.rule}\n  ${f.message}\n  safe: ${hint}`;
  });
  const version = findings.find((f) => f.pgVersion)?.pgVersion;
  return [
    ...lines,
    `zerodown lint: ${summary(findings)}${version ? ` (for PostgreSQL ${version})` : ''}`,
  ].join('\n\n');
}

/** The one JSON object scripts read: `{"findings":[{file,line,column,rule,severity,message,hint}]}`. */
function json(findings: readonly LintFinding[]): string {
  const plain = findings.map(({ file, line, column, rule, severity, message, hint }) => ({
    file,
    line,
    column,
    rule,
    severity,
    message,
    hint,
  }));
  return JSON.stringify({ findings: plain });
}

// GitHub workflow commands: data escapes %, CR, LF; property values also : and ,
const ghData = (s: string) => s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
const ghProperty = (s: string) => ghData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');

function github(findings: readonly LintFinding[]): string {
  return findings
    .map(
      (f) =>
        `::${f.severity} file=${ghProperty(f.file)},line=${f.line},col=${f.column},title=${ghProperty(`zerodown ${f.rule}`)}::${ghData(`${f.message}\nSafe: ${f.hint}`)}`,
    )
    .join('\n');
}

const html = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const cell = (s: string) => html(s).replaceAll('|', '\\|').replaceAll('\n', '<br>');

function markdown(findings: readonly LintFinding[]): string {
  const title = `### zerodown lint: ${summary(findings)}`;
  if (findings.length === 0) return `${title}\n\nEvery migration passed.`;
  const rows = findings.map(
    (f) =>
      `| ${f.severity === 'error' ? '**error**' : 'warning'} | \`${f.file.replaceAll('|', '\\|')}:${f.line}\` | [\`${f.rule}\`](docs/lint-rules.md#${f.rule}) | ${cell(f.message)} | <code>${cell(f.hint)}</code> |`,
  );
  return [
    title,
    '',
    '| | Where | Rule | Problem | Safe alternative |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * Renders findings for `zerodown lint --format`: `text` for people, `json` for scripts, `github` for
 * workflow annotations, `markdown` for a pull-request comment.
 *
 * @example
 * process.stdout.write(`${formatFindings(findings, 'github')}\n`);
 */
export function formatFindings(findings: readonly LintFinding[], format: LintFormat): string {
  switch (format) {
    case 'json':
      return json(findings);
    case 'github':
      return github(findings);
    case 'markdown':
      return markdown(findings);
    default:
      return text(findings);
  }
}
