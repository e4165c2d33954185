/**
 * What orchestration costs, side by side in one run: the same release (an expand that adds a column and
 * the backfill that fills it) applied by `zerodown up` then `zerodown backfill`, against
 * `zerodown run --local`, the synthesized state machine run on this machine: once synthesizing the CDK
 * app as a user's run does (cdk.json's app, bundling included), and once from a cloud assembly
 * synthesized before (`--app cdk.out`, the cached synthesis). Each a whole process, on a fresh
 * database with the same table.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BenchContext, connect, defineBench, median, met, round } from './harness.ts';

const execute = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/zerodown.mjs');

async function freshItems(context: BenchContext, rows: number): Promise<string> {
  const url = await context.freshDatabase('zd_workflow');
  const client = await connect(url);
  try {
    await client.query(
      `CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
       INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, ${rows}) g; ANALYZE items;`,
    );
  } finally {
    await client.end();
  }
  return url;
}

async function timed(commands: string[][], cwd: string): Promise<number> {
  const started = performance.now();
  for (const args of commands) {
    await execute(process.execPath, [BIN, ...args], {
      cwd,
      maxBuffer: 64 * 2 ** 20,
      // the URL is given on the command line; one in the environment must not stand in for it
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')),
    }).catch((error: Error & { stderr?: string }) => {
      throw new Error(`zerodown ${args.join(' ')} failed: ${error.stderr ?? error.message}`);
    });
  }
  return performance.now() - started;
}

async function labelled(url: string): Promise<number> {
  const client = await connect(url);
  try {
    return (
      await client.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE label = upper(name)')
    ).rows[0]!.n;
  } finally {
    await client.end();
  }
}

export default defineBench({
  name: 'workflow',
  async run(context) {
    const rows = context.sized({ full: 100_000, quick: 20_000, tiny: 500 });
    const rounds = context.sized({ full: 3, quick: 1, tiny: 1 });
    const work = await mkdtemp(join(tmpdir(), 'zerodown-workflow-bench-'));
    try {
      const dir = join(work, 'migrations');
      const assembly = join(work, 'cdk.out');
      await mkdir(dir);
      await writeFile(
        join(dir, '0001_items_label.sql'),
        '-- migrate:up\nALTER TABLE items ADD COLUMN label text;\n\n-- migrate:down\nALTER TABLE items DROP COLUMN label;\n',
      );
      await writeFile(
        join(dir, '0001_items_label.backfill.json'),
        JSON.stringify({ table: 'items', set: { label: 'upper(name)' }, where: 'label IS NULL' }),
      );
      // the cached synthesis: cdk.json's app run once, as `cdk synth` runs it, into a cloud assembly
      context.progress('synthesizing the example app once');
      await execute(process.execPath, ['--import', 'tsx', 'infra/synth.ts'], {
        cwd: ROOT,
        env: { ...process.env, CDK_OUTDIR: assembly },
        maxBuffer: 64 * 2 ** 20,
      });
      const variants: [string, (url: string, release: string) => string[][]][] = [
        [
          '`zerodown up` + `zerodown backfill`',
          (url) => [
            ['up', '--migrations', dir, '--database-url', url],
            ['backfill', '--migrations', dir, '--database-url', url],
          ],
        ],
        [
          '`zerodown run --local` (synthesizes the app)',
          (url, release) => [
            [
              'run',
              '--local',
              '--phases',
              'expand,backfill',
              '--release',
              release,
              '--migrations',
              dir,
              '--database-url',
              url,
            ],
          ],
        ],
        [
          '`zerodown run --local --app cdk.out` (cached synthesis)',
          (url, release) => [
            [
              'run',
              '--local',
              '--app',
              assembly,
              '--phases',
              'expand,backfill',
              '--release',
              release,
              '--migrations',
              dir,
              '--database-url',
              url,
            ],
          ],
        ],
      ];
      const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
      for (let round = 1; round <= rounds; round++) {
        for (const [name, commands] of variants) {
          context.progress(`round ${round}/${rounds}: ${name}`);
          const url = await freshItems(context, rows);
          samples.get(name)!.push(await timed(commands(url, `bench-${round}`), ROOT));
          const done = await labelled(url);
          if (done !== rows) throw new Error(`${name}: ${done} of ${rows} rows backfilled`);
        }
      }
      const plain = median(samples.get(variants[0]![0])!);
      const results = variants.map(([name]) => {
        const ms = median(samples.get(name)!);
        return {
          variant: name,
          medianMs: Math.round(ms),
          overPlainMs: Math.round(ms - plain),
          ratio: round(ms / plain),
        };
      });
      const cached = results[2]!;
      return {
        markdown: [
          '## Workflow overhead: `run --local` against the plain commands',
          '',
          `A release of one expand (\`ALTER TABLE items ADD COLUMN label text\`) and its backfill (\`label = upper(name)\`) on a table of ${rows.toLocaleString('en-US')} rows, each variant a whole process (two for the plain commands, timed together) on a fresh database; median of ${rounds} round${rounds === 1 ? '' : 's'}, the variants in turn. \`run --local\` runs the synthesized state machine: plan, lock, expand, the backfill Map with its chunk tasks, release; the synthesis is cdk.json's app (\`infra/synth.ts\`, which bundles each task with esbuild and runs cdk-nag), or a cloud assembly synthesized once before the rounds.`,
          '',
          '| variant | time (median) | over the plain commands | ratio |',
          '|---|---:|---:|---:|',
          ...results.map(
            (r) =>
              `| ${r.variant} | ${(r.medianMs / 1000).toFixed(2)} s | ${r.overPlainMs >= 0 ? '+' : ''}${(r.overPlainMs / 1000).toFixed(2)} s | ${r.ratio.toFixed(2)}x |`,
          ),
          '',
          `Goal: at most 2 s over the plain commands once synthesis is cached: ${(cached.overPlainMs / 1000).toFixed(2)} s, ${met(cached.overPlainMs <= 2000)}.`,
        ].join('\n'),
        figures: {
          rows,
          rounds,
          variants: results,
          goal: { cachedOverPlainAtMostMs: 2000, met: cached.overPlainMs <= 2000 },
        },
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
});
