/**
 * Start-up and whole-command cost, as people pay it: each command is a separate process, run side by
 * side with its peer (alternating which goes first), the median of N pairs compared as a ratio:
 * `zerodown --help` against `node-pg-migrate --help`, dbmate's and squawk's; `zerodown status` against
 * `dbmate status`; `zerodown up` of 200 one-table migrations into a fresh database against
 * `node-pg-migrate up` and dbmate (lint, checksums and guards on); `zerodown down` of the 200 against
 * `node-pg-migrate down 200` and dbmate's; `zerodown lint` of one file and of 100 against squawk. Peak
 * memory is each process tree's largest resident set (getrusage RUSAGE_CHILDREN through a python3
 * wrapper, which also times the run, so its own start-up is outside the figure; without python3 the
 * time is taken here and memory is not reported). File counts come from a loader hook.
 *
 * The peers dbmate and squawk come from .bench-peers/ (scripts/install-bench-peers.sh, which
 * `npm run bench` runs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineBench, median, met, peerBinary, round } from './harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/zerodown.mjs');
const NODE_PG_MIGRATE = join(ROOT, 'node_modules/node-pg-migrate/bin/node-pg-migrate.js');
const CORPUS = join(ROOT, 'test/fixtures/lint-corpus');

interface Sample {
  readonly ms: number;
  /** Peak resident set of the process tree; NaN when python3 is not there to read it. */
  readonly maxRssKb: number;
  readonly code: number;
}

// Times one command and reads the peak RSS of its process tree once it has been waited for.
const MEASURE_PY = `
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
ms = (time.perf_counter() - started) * 1000
print(json.dumps({"ms": ms, "maxRssKb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "code": code}))
`;

// Counts the modules a process loads: ESM through a loader hook, CommonJS from require.cache at exit.
const COUNT_HOOKS = `export async function initialize({ port }) { globalThis.port = port; }
export async function load(url, context, next) { if (url.startsWith('file:')) globalThis.port.postMessage(url); return next(url, context); }`;
const COUNT_MAIN = (hooks: string) => `import { register, createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
const { port1, port2 } = new MessageChannel();
const urls = new Set();
port1.on('message', (u) => urls.add(u.replace('file://', '')));
port1.unref();
register(${JSON.stringify(`file://${hooks}`)}, { data: { port: port2 }, transferList: [port2] });
process.on('exit', () => {
  for (const p of Object.keys(createRequire(import.meta.url).cache)) urls.add(p);
  const deps = [...urls].filter((u) => u.includes('/node_modules/'));
  writeFileSync(process.env.ZERODOWN_COUNT_OUT, JSON.stringify({ all: urls.size, deps: deps.length,
    packages: [...new Set(deps.map((u) => u.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/)[1]))].sort() }));
});`;

const ms = (n: number) => `${Math.round(n)} ms`;
const mb = (kb: number) => (Number.isNaN(kb) ? 'n/a' : `${Math.round(kb / 1024)} MB`);

/** Times `command` as a whole process: through the python3 wrapper (time and peak memory), else here. */
function measurer(wrapper: string | undefined) {
  return (command: string[], env: Record<string, string> = {}): Sample => {
    const options = { env: { ...process.env, ...env } };
    if (wrapper)
      return JSON.parse(execFileSync('python3', [wrapper, ...command], { ...options, encoding: 'utf8' }));
    const started = performance.now();
    const result = spawnSync(command[0]!, command.slice(1), { ...options, stdio: 'ignore' });
    return { ms: performance.now() - started, maxRssKb: Number.NaN, code: result.status ?? -1 };
  };
}

function migrationSql(i: number): string {
  return `CREATE TABLE bench_t${i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);`;
}

export default defineBench({
  name: 'startup',
  async run(context) {
    const pairs = Number(process.env.ZERODOWN_BENCH_PAIRS ?? context.sized({ full: 9, quick: 3, tiny: 1 }));
    const upPairs = Number(
      process.env.ZERODOWN_BENCH_UP_PAIRS ?? context.sized({ full: 5, quick: 2, tiny: 1 }),
    );
    const count = context.sized({ full: 200, quick: 200, tiny: 10 });
    const DBMATE = peerBinary('dbmate');
    const SQUAWK = peerBinary('squawk');
    const work = await mkdtemp(join(tmpdir(), 'zerodown-startup-bench-'));
    try {
      const hasPython = spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;
      const measurePy = join(work, 'measure.py');
      await writeFile(measurePy, MEASURE_PY);
      const measure = measurer(hasPython ? measurePy : undefined);
      // the same migrations in each tool's format: dbmate's is zerodown's; node-pg-migrate marks sections itself
      const zerodownDir = join(work, 'migrations');
      const npmDir = join(work, 'node-pg-migrate');
      const lintDir = join(work, 'lint');
      const lintOne = join(work, 'lint-one');
      for (const dir of [zerodownDir, npmDir, lintDir, lintOne]) await mkdir(dir);
      for (let i = 1; i <= count; i++) {
        const base = `${String(i).padStart(4, '0')}_t${i}.sql`;
        await writeFile(
          join(zerodownDir, base),
          `-- migrate:up\n${migrationSql(i)}\n\n-- migrate:down\nDROP TABLE bench_t${i};\n`,
        );
        await writeFile(
          join(npmDir, base),
          `-- Up Migration\n${migrationSql(i)}\n\n-- Down Migration\nDROP TABLE bench_t${i};\n`,
        );
      }
      // 100 files: the SQL files of the lint corpus (real migrations, both phases), then the first ones again
      const corpus = (await readdir(CORPUS)).filter((f) => f.endsWith('.sql')).sort(); // squawk reads SQL only
      for (let i = 0; i < 100; i++) {
        const source = corpus[i % corpus.length]!;
        const name = i < corpus.length ? source : `${String(i + 1).padStart(3, '0')}${source.slice(3)}`;
        await writeFile(join(lintDir, name), await readFile(join(CORPUS, source)));
      }
      await writeFile(join(lintOne, corpus[0]!), await readFile(join(CORPUS, corpus[0]!)));
      const node = process.execPath;
      const zerodown = (...args: string[]) => [node, BIN, ...args];

      /** Alternates peer and zerodown `n` times (after one warm-up of each); `before` runs untimed, given which. */
      const pair = async (
        peer: () => string[],
        ours: () => string[],
        n: number,
        before?: (which: 'peer' | 'ours') => Promise<void>,
      ) => {
        const peerSamples: Sample[] = [];
        const ourSamples: Sample[] = [];
        const run = async (which: 'peer' | 'ours', into: Sample[] | undefined) => {
          await before?.(which);
          const command = which === 'peer' ? peer() : ours();
          const sample = measure(command);
          if (sample.code !== 0 && sample.code !== 1)
            throw new Error(`${command.join(' ')} exited ${sample.code}`);
          into?.push(sample);
        };
        await run('peer', undefined);
        await run('ours', undefined);
        for (let i = 0; i < n; i++) {
          if (i % 2 === 0) {
            await run('peer', peerSamples);
            await run('ours', ourSamples);
          } else {
            await run('ours', ourSamples);
            await run('peer', peerSamples);
          }
        }
        const peerMs = median(peerSamples.map((s) => s.ms));
        const ourMs = median(ourSamples.map((s) => s.ms));
        return {
          peerMs,
          ourMs,
          ratio: ourMs / peerMs,
          peerRss: Math.max(...peerSamples.map((s) => s.maxRssKb)),
          ourRss: Math.max(...ourSamples.map((s) => s.maxRssKb)),
        };
      };

      // up: a fresh database before every run, outside the timing (node-pg-migrate reads its URL from ZD_BENCH_URL)
      let upUrl = '';
      const freshUp = async () => {
        upUrl = await context.freshDatabase('zd_startup');
        process.env.ZD_BENCH_URL = upUrl;
      };
      const dbmateUrl = () => `${upUrl}${upUrl.includes('?') ? '&' : '?'}sslmode=disable`;
      const zerodownUp = () => zerodown('up', '--migrations', zerodownDir, '--database-url', upUrl);
      const npmUp = (...more: string[]) => [
        node,
        NODE_PG_MIGRATE,
        'up',
        '-m',
        npmDir,
        '-d',
        'ZD_BENCH_URL',
        ...more,
      ];
      const dbmate = (...args: string[]) => [
        DBMATE,
        '--url',
        dbmateUrl(),
        '--migrations-dir',
        zerodownDir,
        '--no-dump-schema',
        ...args,
      ];
      const upNpm = await pair(() => npmUp(), zerodownUp, upPairs, freshUp);
      // node-pg-migrate runs all pending migrations in one transaction by default; zerodown and dbmate
      // commit each migration with its record (a failure keeps what was applied before it, and no run
      // holds every lock it took until the end): the same with --no-single-transaction
      const upNpmEach = await pair(() => npmUp('--no-single-transaction'), zerodownUp, upPairs, freshUp);
      const upDbmate = await pair(() => dbmate('up'), zerodownUp, upPairs, freshUp);
      // down of all of them: each tool's own up first, untimed
      const applyWith = async (which: 'peer' | 'ours', peerUp: () => string[]) => {
        await freshUp();
        const [command, ...args] = which === 'peer' ? peerUp() : zerodownUp();
        execFileSync(command!, args, { stdio: 'ignore', env: process.env });
      };
      const zerodownDown = () =>
        zerodown('down', '--to', '0', '--yes', '--migrations', zerodownDir, '--database-url', upUrl);
      const downNpm = await pair(
        () => [
          node,
          NODE_PG_MIGRATE,
          'down',
          String(count),
          '-m',
          npmDir,
          '-d',
          'ZD_BENCH_URL',
          '--no-single-transaction',
        ],
        zerodownDown,
        upPairs,
        (which) => applyWith(which, () => npmUp('--no-single-transaction')),
      );
      // dbmate rolls back one migration a command: its down of all is `dbmate rollback` N times, so it is
      // compared per migration below rather than as one process
      // --help and status: one database with the migrations applied
      const statusUrl = await context.freshDatabase('zd_startup');
      execFileSync(node, [BIN, 'up', '--migrations', zerodownDir, '--database-url', statusUrl], {
        stdio: 'ignore',
      });
      const statusDbmateUrl = await context.freshDatabase('zd_startup');
      upUrl = statusDbmateUrl;
      execFileSync(DBMATE, dbmate('up').slice(1), { stdio: 'ignore' });
      const help = await pair(
        () => [node, NODE_PG_MIGRATE, '--help'],
        () => zerodown('--help'),
        pairs,
      );
      const helpDbmate = await pair(
        () => [DBMATE, '--help'],
        () => zerodown('--help'),
        pairs,
      );
      const status = await pair(
        () => {
          upUrl = statusDbmateUrl;
          return dbmate('status');
        },
        () => zerodown('status', '--migrations', zerodownDir, '--database-url', statusUrl),
        pairs,
      );
      // node-pg-migrate has no status command: its start-up is the yardstick the package issue set
      const statusNpm = await pair(
        () => [node, NODE_PG_MIGRATE, '--help'],
        () => zerodown('status', '--migrations', zerodownDir, '--database-url', statusUrl),
        pairs,
      );
      const lint = await pair(
        () => [SQUAWK, join(lintDir, '*.sql')],
        () => zerodown('lint', lintDir),
        pairs,
      );
      const lintSingle = await pair(
        () => [SQUAWK, join(lintOne, '*.sql')],
        () => zerodown('lint', lintOne),
        pairs,
      );

      // modules loaded by --help and status
      const hooks = join(work, 'count-hooks.mjs');
      const counter = join(work, 'count.mjs');
      await writeFile(hooks, COUNT_HOOKS);
      await writeFile(counter, COUNT_MAIN(hooks));
      const modules = async (args: string[]) => {
        const out = join(work, 'count.json');
        execFileSync(node, ['--import', counter, BIN, ...args], {
          env: { ...process.env, ZERODOWN_COUNT_OUT: out },
          stdio: 'ignore',
        });
        return JSON.parse(await readFile(out, 'utf8')) as { all: number; deps: number; packages: string[] };
      };
      const helpModules = await modules(['--help']);
      const statusModules = await modules([
        'status',
        '--migrations',
        zerodownDir,
        '--database-url',
        statusUrl,
      ]);

      const loaded = (m: { all: number; deps: number; packages: string[] }) =>
        `${m.all} (${m.deps === 0 ? 'none' : m.deps} from node_modules${m.deps === 0 ? '' : `: ${m.packages.join(', ')}`})`;
      type Pair = Awaited<ReturnType<typeof pair>>;
      const comparisons: { what: string; peer: string; result: Pair; goal: string; ok?: boolean }[] = [
        {
          what: '`zerodown --help`',
          peer: '`node-pg-migrate --help`',
          result: help,
          goal: '<= 1.0x',
          ok: help.ratio <= 1,
        },
        {
          what: '`zerodown --help`',
          peer: '`dbmate --help`',
          result: helpDbmate,
          goal: '– (a Go binary)',
        },
        {
          what: `\`zerodown status\` (${count} applied)`,
          peer: '`dbmate status`',
          result: status,
          goal: '– (a Go binary)',
        },
        {
          what: `\`zerodown status\` (${count} applied)`,
          peer: '`node-pg-migrate --help` (it has no status)',
          result: statusNpm,
          goal: '<= 1.0x',
          ok: statusNpm.ratio <= 1,
        },
        {
          what: `\`zerodown up\`, ${count} migrations`,
          peer: '`node-pg-migrate up` (one transaction)',
          result: upNpm,
          goal: '<= 1.0x',
          ok: upNpm.ratio <= 1,
        },
        {
          what: `\`zerodown up\`, ${count} migrations`,
          peer: '`node-pg-migrate up --no-single-transaction`',
          result: upNpmEach,
          goal: '<= 1.0x',
          ok: upNpmEach.ratio <= 1,
        },
        {
          what: `\`zerodown up\`, ${count} migrations`,
          peer: '`dbmate up`',
          result: upDbmate,
          goal: '<= 1.2x',
          ok: upDbmate.ratio <= 1.2,
        },
        {
          what: `\`zerodown down --to 0\`, ${count} migrations`,
          peer: `\`node-pg-migrate down ${count} --no-single-transaction\``,
          result: downNpm,
          goal: '<= 1.0x',
          ok: downNpm.ratio <= 1,
        },
        {
          what: '`zerodown lint`, one file',
          peer: '`squawk`, the same file',
          result: lintSingle,
          goal: '< 150 ms',
          ok: lintSingle.ourMs < 150,
        },
        {
          what: '`zerodown lint`, 100 files (the lint corpus)',
          peer: '`squawk`',
          result: lint,
          goal: '< 500 ms',
          ok: lint.ourMs < 500,
        },
      ];
      const misses = [
        help.ourMs < 150
          ? ''
          : `\`--help\` takes ${ms(help.ourMs)}, above the 150 ms aim: Node and commander alone take most of it here.`,
        statusNpm.ratio <= 1
          ? ''
          : `\`status\` is ${statusNpm.ratio.toFixed(2)}x \`node-pg-migrate --help\`: it starts Node, loads pg, connects and reads its state (no parser: it checksums the files).`,
        upNpm.ratio <= 1
          ? ''
          : `\`up\` is ${upNpm.ratio.toFixed(2)}x \`node-pg-migrate up\`, which runs the migrations in one transaction (one commit); zerodown commits each migration with its record, as dbmate does.`,
        upNpmEach.ratio <= 1
          ? ''
          : `\`up\` is ${upNpmEach.ratio.toFixed(2)}x \`node-pg-migrate up --no-single-transaction\`.`,
        upDbmate.ratio <= 1.2
          ? ''
          : `\`up\` is ${upDbmate.ratio.toFixed(2)}x dbmate (a Go binary: no runtime to start, no lint, no parser); what zerodown adds is paid once per command: Node and the CLI's bundle (the linter, the parser's WASM), loading and linting the files, and creating its state schema.`,
        downNpm.ratio <= 1
          ? ''
          : `\`down\` is ${downNpm.ratio.toFixed(2)}x \`node-pg-migrate down\`: zerodown parses and lints each down section as it rolls back, under its lease.`,
        lintSingle.ourMs < 150
          ? ''
          : `\`lint\` of one file takes ${ms(lintSingle.ourMs)}: start-up (Node's modules and the parser's WASM) is nearly all of it.`,
        lint.ourMs < 500
          ? ''
          : `\`lint\` of 100 files takes ${ms(lint.ourMs)}: Node's own start-up, the linter's chunks of the bundle and the parser's WASM (compiled as it is first used) are most of it; the rules themselves take about 75 ms for 1,000 statements (see "Lint").`,
      ].filter(Boolean);
      return {
        markdown: [
          '## Start-up and whole commands',
          '',
          `Each command a separate process, ${pairs} pairs (up and down: ${upPairs}) alternating which goes first after a warm-up of each, medians; peak memory is the largest resident set of the process tree over the runs (getrusage of the children${hasPython ? '' : '; not measured here: no python3'}). \`node bin/zerodown.mjs\`, the bundled CLI in dist/cli-bundle/; dbmate and squawk from .bench-peers/ (installed by \`npm run bench\`); the same server for every tool, a fresh database before each \`up\` and \`down\` (each tool's own \`up\` first, untimed, for \`down\`).`,
          '',
          '| command | zerodown | peer | ratio | goal | met | peak memory zerodown / peer |',
          '|---|---|---|---|---|---|---|',
          ...comparisons.map(
            (c) =>
              `| ${c.what} | ${ms(c.result.ourMs)} | ${c.peer} ${ms(c.result.peerMs)} | ${c.result.ratio.toFixed(2)}x | ${c.goal} | ${c.ok === undefined ? '–' : met(c.ok)} | ${mb(c.result.ourRss)} / ${mb(c.result.peerRss)} |`,
          ),
          '',
          `Files loaded (the bundle's chunks, and packages outside it): \`zerodown --help\` ${loaded(helpModules)}; \`zerodown status\` ${loaded(statusModules)}.`,
          '',
          misses.length === 0 ? 'Every goal is met.' : `Not met: ${misses.join(' ')}`,
        ].join('\n'),
        figures: {
          pairs,
          upPairs,
          migrations: count,
          comparisons: comparisons.map((c) => ({
            command: c.what,
            peer: c.peer,
            zerodownMs: Math.round(c.result.ourMs),
            peerMs: Math.round(c.result.peerMs),
            ratio: round(c.result.ratio),
            goal: c.goal,
            met: c.ok ?? null,
            zerodownPeakMb: Number.isNaN(c.result.ourRss) ? null : Math.round(c.result.ourRss / 1024),
            peerPeakMb: Number.isNaN(c.result.peerRss) ? null : Math.round(c.result.peerRss / 1024),
          })),
          modules: { help: helpModules.all, status: statusModules.all },
        },
      };
    } finally {
      delete process.env.ZD_BENCH_URL;
      await rm(work, { recursive: true, force: true });
    }
  },
});
