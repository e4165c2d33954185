/**
 * `npm run bench [-- [--quick] [name …]]`: runs the benchmarks (`bench/*.bench.ts`), each side by side
 * with its peer or baseline in this one run, against one PostgreSQL server (BENCH_DATABASE_URL, else the
 * server the tests use: TEST_DATABASE_URL, else an embedded one).
 *
 * A full run (no --quick) records what it measured: docs/benchmarks.json keeps every benchmark's figures
 * with its date, machine, PostgreSQL version and command, docs/benchmarks.md is written from it (so a
 * run of one benchmark replaces its section and keeps the others), and charts go to docs/benchmarks/.
 * `--quick` runs small sizes in a few minutes and prints the sections instead; `--json FILE` writes its
 * figures.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Bench, type BenchResult, type BenchSize, benchContext, serverVersion } from './harness.ts';
import { benchServer } from './server.ts';

const DIR = new URL('.', import.meta.url).pathname;
const DOCS = new URL('../docs/', import.meta.url).pathname;

/** The page's order: what users feel first (their traffic, their backfill), then what they run, then lint. */
const ORDER = [
  'lock-queue',
  'backfill',
  'startup',
  'workflow',
  'sync-trigger',
  'bundle',
  'lint',
  'lint-catch',
  'parse-scale',
];

/** Every benchmark (`bench/*.bench.ts`), in the page's order. */
export async function loadBenches(): Promise<Bench[]> {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.bench.ts'));
  const benches: Bench[] = [];
  for (const file of files) benches.push(((await import(join(DIR, file))) as { default: Bench }).default);
  const rank = (b: Bench) => (ORDER.includes(b.name) ? ORDER.indexOf(b.name) : ORDER.length);
  return benches.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export interface RecordedBench {
  readonly name: string;
  readonly date: string;
  readonly command: string;
  readonly machine: string;
  readonly postgres: string;
  readonly figures: BenchResult['figures'];
  readonly markdown: string;
}

function machine(): string {
  return `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model?.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB`;
}

/** Runs the benchmarks named (all when none) at one size; what each measured, with where and how. */
export async function runBenches(
  benches: readonly Bench[],
  size: BenchSize,
  options: { serverUrl?: string } = {},
): Promise<{ recorded: RecordedBench[]; charts: Record<string, string> }> {
  const server = await benchServer(options.serverUrl);
  const recorded: RecordedBench[] = [];
  const charts: Record<string, string> = {};
  try {
    const postgres = await serverVersion(server.url);
    for (const bench of benches) {
      process.stderr.write(`running ${bench.name} (${size})\n`);
      const context = benchContext(bench.name, size, server);
      try {
        const result = await bench.run(context);
        Object.assign(charts, result.charts);
        recorded.push({
          name: bench.name,
          date: new Date().toISOString().slice(0, 10),
          command: context.command,
          machine: machine(),
          postgres: `PostgreSQL ${postgres}${server.embedded ? ' (embedded)' : ''}`,
          figures: result.figures,
          markdown: result.markdown,
        });
      } finally {
        await context.close();
      }
    }
  } finally {
    await server.embedded?.stop();
  }
  return { recorded, charts };
}

/** docs/benchmarks.md from the recorded benchmarks: each section with the run that produced it. */
export function benchmarksPage(recorded: readonly RecordedBench[]): string {
  const sections = recorded.map((r) => {
    const [heading, ...rest] = r.markdown.split('\n');
    return [
      heading,
      '',
      `Measured ${r.date} with \`${r.command}\`: ${r.machine}, ${r.postgres}.`,
      ...rest,
    ].join('\n');
  });
  return [
    '# Benchmarks',
    '',
    'Each section compares zerodown with a peer or a baseline run side by side in the same run, on the same server; ratios, not absolute times, are the result. `npm run bench` runs them all (about 9 minutes on the machine below), `npm run bench -- --quick` runs small sizes in a few minutes and prints them, `npm run bench -- <name>` runs one and replaces its section. The same figures are in [benchmarks.json](benchmarks.json). Where zerodown falls short of a goal, the section says so.',
    '',
    sections.join('\n\n'),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      tiny: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  const all = await loadBenches();
  if (values.help) {
    process.stdout.write(
      `Usage: npm run bench -- [--quick] [--json FILE] [name …]\n\nBenchmarks: ${all.map((b) => b.name).join(', ')}\n`,
    );
    return;
  }
  const unknown = positionals.filter((name) => !all.some((b) => b.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: no benchmark named ${unknown.join(', ')}; there are ${all.map((b) => b.name).join(', ')}\n`,
    );
    process.exitCode = 2;
    return;
  }
  const chosen = positionals.length === 0 ? all : all.filter((b) => positionals.includes(b.name));
  const size: BenchSize = values.tiny ? 'tiny' : values.quick ? 'quick' : 'full';
  const { recorded, charts } = await runBenches(chosen, size, { serverUrl: process.env.BENCH_DATABASE_URL });
  if (values.json) await writeFile(values.json, `${JSON.stringify(recorded, null, 2)}\n`);
  if (size !== 'full') {
    process.stdout.write(`${recorded.map((r) => r.markdown).join('\n\n')}\n`);
    return;
  }
  // a full run replaces what it measured and keeps the rest, in the benchmarks' order
  const jsonPath = join(DOCS, 'benchmarks.json');
  const previous = JSON.parse(await readFile(jsonPath, 'utf8').catch(() => '[]')) as RecordedBench[];
  const byName = new Map(previous.map((r) => [r.name, r]));
  for (const r of recorded) byName.set(r.name, r);
  const merged = all.map((b) => byName.get(b.name)).filter((r) => r !== undefined);
  await writeFile(jsonPath, `${JSON.stringify(merged, null, 2)}\n`);
  await writeFile(join(DOCS, 'benchmarks.md'), benchmarksPage(merged));
  await mkdir(join(DOCS, 'benchmarks'), { recursive: true });
  for (const [name, svg] of Object.entries(charts)) await writeFile(join(DOCS, 'benchmarks', name), svg);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
