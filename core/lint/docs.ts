/**
 * Generates docs/lint-rules.md from the rule files: `npm run docs:lint`. Every example is linted while the
 * page is generated, so the findings shown are the ones zerodown produces.
 */
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { FILE_FINDINGS } from './file-findings.ts';
import { LINT_RULES } from './rules/index.ts';
import { lintSqlText } from './sql-text.ts';
import type { LintRule, RuleExample, RuleLevel } from './types.ts';

const level = (l: RuleLevel) => (l === 'off' ? 'allowed' : l);

function sqlBlock(sql: string): string {
  return ['```sql', sql, '```'].join('\n');
}

function exampleBlock(title: string, example: RuleExample): string[] {
  const parts = [`**${title}** (${example.phase}):`, ''];
  if (example.before?.length) {
    parts.push(
      'After earlier migrations:',
      '',
      sqlBlock(example.before.join('\n')),
      '',
      'this migration:',
      '',
    );
  }
  parts.push(sqlBlock(example.sql), '');
  return parts;
}

async function ruleSection(rule: LintRule): Promise<string> {
  const { unsafe, safe } = rule.examples;
  const finding = (await lintSqlText(unsafe.sql, { phase: unsafe.phase, before: unsafe.before })).find(
    (f) => f.rule === rule.id,
  );
  const lines = [
    `## ${rule.id}`,
    '',
    `**${rule.title}**: expand ${level(rule.severity.expand)}, contract ${level(rule.severity.contract)}.`,
    '',
    rule.why,
    '',
    ...exampleBlock('Unsafe', unsafe),
  ];
  if (finding) {
    lines.push(
      `zerodown reports \`${finding.file}:${finding.line}:${finding.column}\` ${finding.severity} \`${rule.id}\`: ${finding.message}`,
      '',
      'and suggests:',
      '',
      sqlBlock(finding.hint),
      '',
    );
  }
  lines.push(...exampleBlock('Safe', safe));
  return lines.join('\n');
}

/**
 * The rule reference as Markdown: how phases, suppressions and the config work, a table of every rule,
 * then each rule with why, an unsafe example with the finding it produces, and a safe example.
 *
 * @example
 * await writeFile('docs/lint-rules.md', await renderLintRulesDoc());
 */
export async function renderLintRulesDoc(): Promise<string> {
  const table = LINT_RULES.map(
    (r) =>
      `| [\`${r.id}\`](#${r.id}) | ${level(r.severity.expand)} | ${level(r.severity.contract)} | ${r.title} |`,
  );
  const fileFindings = Object.values(FILE_FINDINGS).map(
    (f) => `### ${f.id}\n\n**${f.title}**: ${f.severity} in both phases.\n\n${f.why}\n`,
  );
  const sections = [];
  for (const rule of LINT_RULES) sections.push(await ruleSection(rule));
  return `${[
    '# zerodown lint rules',
    '',
    '<!-- Generated from core/lint/rules/*.ts by `npm run docs:lint`. Do not edit by hand. -->',
    '',
    '`zerodown lint [--phase expand|contract] [--format text|json|github|markdown] [PATH...]` parses every',
    "migration with PostgreSQL's own parser (libpg-query) and checks each statement knowing its phase:",
    'what breaks the application version still running is an error in **expand** and often the very',
    'point of **contract** (DROP COLUMN). A file name says its phase (`<version>_<name>.contract.sql`;',
    "no phase means expand); `--phase` overrides it. `zerodown up` and the workflow's plan step run the",
    'same checks on the pending migrations: an error blocks them unless a person passes',
    '`--allow-lint-errors "<reason>"`, which is recorded with the migrations applied.',
    '',
    'The linter follows the schema through the migrations: a statement on a table created earlier in the',
    'same migration is safe (the table is empty and unused), and so is SET NOT NULL after a CHECK',
    '(column IS NOT NULL) validated by an earlier migration. node-pg-migrate modules are linted on the SQL',
    'they generate (reported at line 1); backfill specs have their expressions parsed.',
    '',
    '## Suppressing a finding',
    '',
    'On a statement, in the comment lines right above it or after it on its line, with the reason it is safe:',
    '',
    sqlBlock(
      '-- zerodown:ignore require-concurrent-index-creation countries holds the 249 ISO countries\nCREATE INDEX countries_name_idx ON countries (name);',
    ),
    '',
    'In a node-pg-migrate module, `// zerodown:ignore <rule> <reason>` anywhere in the file covers all of',
    'its statements. For a whole project, `zerodown.config.json` in the working directory:',
    '',
    '```json',
    JSON.stringify(
      {
        lint: {
          rules: { 'prefer-text-field': 'off', 'renaming-column': { contract: 'error' } },
          ignore: [{ rule: '*', files: 'migrations/2019*', reason: 'applied before the team used zerodown' }],
        },
      },
      null,
      2,
    ),
    '```',
    '',
    '`rules` sets a level (`off`, `warning`, `error`) for both phases or per phase; `ignore` drops the',
    'findings of a rule (or `*`) in files matching a glob (`*`, `**`, `?`; matched against the path and',
    'the file name), and needs a reason.',
    '',
    '## Rules',
    '',
    '| Rule | Expand | Contract | What |',
    '|---|---|---|---|',
    ...table,
    '',
    ...sections,
    '## Findings about files',
    '',
    ...fileFindings,
  ].join('\n')}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = new URL('../../docs/lint-rules.md', import.meta.url);
  await writeFile(target, await renderLintRulesDoc());
  process.stderr.write(`wrote ${target.pathname}\n`);
}
