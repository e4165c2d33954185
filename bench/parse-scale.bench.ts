/**
 * How parsing and linting grow with the size of a file: one migration of 1,000, 4,000 and 16,000
 * statements, side by side with the baseline every parser-based tool pays (libpg-query's `parseSync` of
 * the same text, which is linear). Linear code keeps the same ratio to the baseline at every size and
 * grows 16x from 1,000 to 16,000 statements; quadratic code grows 256x.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSync } from 'libpg-query';
import { lintPaths } from '../core/lint/index.ts';
import { parseSqlMigration } from '../core/migrations/sql-file.ts';
import { loadSqlParser } from '../core/sql/statements.ts';
import { defineBench, round } from './harness.ts';

/** `count` statements that all run in the migration's transaction. */
function transactionalSql(count: number): string {
  const lines = Array.from({ length: count }, (_, i) => `COMMENT ON TABLE t IS 'note ${i}';`);
  return `-- migrate:up\n${lines.join('\n')}\n`;
}

function statementsSql(count: number): string {
  const lines: string[] = [];
  for (let i = 0; lines.length < count; i++) {
    lines.push(
      `CREATE TABLE n${i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);`,
      `ALTER TABLE n${i} ADD COLUMN flag_${i} boolean;`,
      `-- a comment before the index of n${i}\nCREATE INDEX CONCURRENTLY n${i}_note_idx ON n${i} (note);`,
      `COMMENT ON TABLE n${i} IS 'table ${i}; with a semicolon';`,
    );
  }
  return `-- migrate:up transaction:false\n${lines.slice(0, count).join('\n')}\n`;
}

async function timedMedian(work: () => unknown | Promise<unknown>, runs: number): Promise<number> {
  const samples: number[] = [];
  await work(); // warm-up
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

export default defineBench({
  name: 'parse-scale',
  async run(context) {
    const SIZES = context.sized({
      full: [1_000, 4_000, 16_000],
      quick: [1_000, 4_000, 16_000],
      tiny: [50, 200],
    });
    const RUNS = context.sized({ full: 5, quick: 2, tiny: 1 });
    await loadSqlParser();
    const dir = await mkdtemp(join(tmpdir(), 'zerodown-parse-scale-'));
    const rows: { size: number; baseline: number; load: number; lint: number; lintTx: number }[] = [];
    try {
      for (const size of SIZES) {
        const text = statementsSql(size);
        const file = join(dir, `${size}_big.sql`);
        await writeFile(file, text);
        const baseline = await timedMedian(() => parseSync(text), RUNS);
        const load = await timedMedian(() => parseSqlMigration('big.sql', text), RUNS);
        const lint = await timedMedian(() => lintPaths([file]), RUNS);
        // the same size in one transaction (no CONCURRENTLY): a rule that looked for the first statement
        // refusing a transaction once per statement was quadratic only in such a file
        const txFile = join(dir, `${size}_tx.sql`);
        await writeFile(txFile, transactionalSql(size));
        const lintTx = await timedMedian(() => lintPaths([txFile]), RUNS);
        rows.push({ size, baseline, load, lint, lintTx });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    const x = (n: number) => `${n.toFixed(2)}x`;
    const first = rows[0]!;
    const last = rows.at(-1)!;
    const growth = (pick: (r: (typeof rows)[number]) => number) => x(pick(last) / pick(first));
    return {
      markdown: [
        `## Parsing at scale: one file of ${SIZES.map((s) => s.toLocaleString('en-US')).join(', ')} statements`,
        '',
        `Median of ${RUNS} runs after one warm-up, in one process. The baseline is libpg-query's \`parseSync\` of the same text; "load" is zerodown's SQL migration loader (parse, split into statements with their lines, transaction analysis), "lint" is \`lintPaths\` on the file (read, load, every rule).`,
        '',
        '| statements | baseline parseSync | load | load vs baseline | lint | lint vs baseline | lint, one transaction (COMMENT ON) |',
        '|---:|---:|---:|---:|---:|---:|---:|',
        ...rows.map(
          (r) =>
            `| ${r.size.toLocaleString('en-US')} | ${ms(r.baseline)} | ${ms(r.load)} | ${x(r.load / r.baseline)} | ${ms(r.lint)} | ${x(r.lint / r.baseline)} | ${ms(r.lintTx)} |`,
        ),
        '',
        `From ${first.size.toLocaleString('en-US')} to ${last.size.toLocaleString('en-US')} statements (${last.size / first.size}x the text), the baseline grows ${growth((r) => r.baseline)}, the loader ${growth((r) => r.load)}, lint ${growth((r) => r.lint)} and lint of the transactional file ${growth((r) => r.lintTx)}: linear code grows about ${last.size / first.size}x, quadratic code about ${(last.size / first.size) ** 2}x.`,
      ].join('\n'),
      figures: {
        runs: RUNS,
        sizes: rows.map((r) => ({
          statements: r.size,
          parseSyncMs: round(r.baseline, 1),
          loadMs: round(r.load, 1),
          lintMs: round(r.lint, 1),
          lintTransactionalMs: round(r.lintTx, 1),
        })),
      },
    };
  },
});
