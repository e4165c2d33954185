/**
 * Linting 1,000 statements (100 migrations of 10, a realistic mix of safe and unsafe DDL, both phases),
 * side by side with its baseline: parsing the same SQL with libpg-query alone, which every
 * parser-based linter pays. Reported: the median and slowest of repeated runs in this process.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintPaths, lintSources } from '../core/lint/index.ts';
import { sqlTextMigration } from '../core/lint/sql-text.ts';
import { loadSqlParser, splitStatements } from '../core/sql/statements.ts';
import { defineBench, median, round } from './harness.ts';

// Ten statements per migration; `t` is a table created in an earlier migration, `n` one created here.
function migrationSql(i: number): string {
  return [
    `CREATE TABLE n${i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t${i}_id bigint, note varchar(40), at timestamp)`,
    `CREATE INDEX n${i}_t_idx ON n${i} (t${i}_id)`,
    `ALTER TABLE t${i} ADD COLUMN flag_${i} boolean NOT NULL DEFAULT false`,
    `ALTER TABLE t${i} ADD COLUMN token_${i} uuid DEFAULT gen_random_uuid(), ADD COLUMN c_${i} text`,
    `CREATE INDEX t${i}_c_idx ON t${i} (c_${i})`,
    `ALTER TABLE t${i} ADD CONSTRAINT t${i}_fk FOREIGN KEY (ref_id) REFERENCES n${i} (id) NOT VALID`,
    `ALTER TABLE t${i} ALTER COLUMN c_${i} SET NOT NULL`,
    `UPDATE settings SET value = 'on' WHERE key = 'f${i}'`,
    `ALTER TABLE t${i} RENAME COLUMN old_${i} TO new_${i}`,
    `ALTER TABLE t${i} DROP COLUMN gone_${i}`,
  ]
    .map((s) => `${s};`)
    .join('\n');
}

function time(work: () => unknown, runs: number): number[] {
  const samples: number[] = [];
  for (let run = 0; run < runs + 3; run++) {
    const started = performance.now();
    work();
    if (run >= 3) samples.push(performance.now() - started); // the first runs warm the JIT
  }
  return samples.sort((a, b) => a - b);
}

async function timeAsync(work: () => Promise<unknown>, runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let run = 0; run < runs + 3; run++) {
    const started = performance.now();
    await work();
    if (run >= 3) samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

export default defineBench({
  name: 'lint',
  async run(context) {
    const MIGRATIONS = context.sized({ full: 100, quick: 100, tiny: 5 });
    const RUNS = context.sized({ full: 25, quick: 5, tiny: 1 });
    await loadSqlParser();
    const texts = Array.from({ length: MIGRATIONS }, (_, i) => migrationSql(i));
    const migrations = texts.map((sql, i) =>
      sqlTextMigration(i + 1, sql, i % 2 === 0 ? 'expand' : 'contract'),
    );
    const sources = migrations.map((migration, i) => ({ migration, text: texts[i], report: true }));
    const statements = migrations.reduce((n, m) => n + m.up.statements.length, 0);
    const findings = lintSources(sources).length;

    const parse = time(() => texts.map((t) => splitStatements(t)), RUNS);
    // fresh migrations every run: nothing the linter caches per statement survives between runs
    const parseAndLint = time(() => {
      const fresh = texts.map((sql, i) => sqlTextMigration(i + 1, sql, i % 2 === 0 ? 'expand' : 'contract'));
      lintSources(fresh.map((migration, i) => ({ migration, text: texts[i], report: true })));
    }, RUNS);
    const dir = await mkdtemp(join(tmpdir(), 'zerodown-lint-bench-'));
    try {
      for (const [i, sql] of texts.entries()) {
        const name = `${String(i + 1).padStart(4, '0')}_m${i % 2 === 0 ? '' : '.contract'}.sql`;
        await writeFile(join(dir, name), `-- migrate:up\n${sql}\n`);
      }
      const files = await timeAsync(() => lintPaths([dir]), RUNS);
      const row = (name: string, s: number[]) => `| ${name} | ${ms(median(s))} | ${ms(s.at(-1)!)} |`;
      return {
        markdown: [
          `## Lint: ${statements.toLocaleString('en-US')} statements in one process`,
          '',
          `${statements} statements in ${MIGRATIONS} migrations (both phases, ${findings} findings), ${RUNS} runs each after 3 warm-up runs, in one process.`,
          '',
          '| what | median | slowest |',
          '|---|---|---|',
          row('baseline: parse only (libpg-query, `splitStatements`)', parse),
          row('zerodown: parse + rules + schema context (in memory)', parseAndLint),
          row(`\`lintPaths\` on a directory of ${MIGRATIONS} files (read, load, lint)`, files),
          '',
          `Parse and lint together take ${(median(parseAndLint) / median(parse)).toFixed(1)}x the parse alone. The mix is pessimistic: ${findings} findings, and a statement with a finding is parsed a second time to place it (line and column). From files, ${statements.toLocaleString('en-US')} statements take ${ms(median(files))} (the one-second budget is for 1,000). Whole-process lint against squawk is in "Start-up and whole commands".`,
        ].join('\n'),
        figures: {
          statements,
          migrations: MIGRATIONS,
          findings,
          runs: RUNS,
          parseMedianMs: round(median(parse), 1),
          parseAndLintMedianMs: round(median(parseAndLint), 1),
          lintPathsMedianMs: round(median(files), 1),
          ratioToParse: round(median(parseAndLint) / median(parse)),
        },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
});
