/**
 * Start-up and whole-command cost, as people pay it: each command is a separate process, run side by
 * side with its peer (alternating which goes first), the median of N pairs compared as a ratio:
 * `zerodown --help` and `zerodown status` against `node-pg-migrate --help`, `zerodown up` of 200
 * one-table migrations into a fresh database against `node-pg-migrate up` and dbmate (lint, checksums
 * and guards on), `zerodown lint` of 100 files against squawk. Peak memory is each process tree's
 * largest resident set (getrusage RUSAGE_CHILDREN through a python3 wrapper, which also times the run,
 * so its own start-up is outside the figure). Module counts come from a loader hook.
 *
 * Server: DATABASE_URL or TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres. The peers
 * dbmate and squawk come from .bench-peers/ (scripts/install-bench-peers.sh, which `npm run bench` runs).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/zerodown.mjs');
const NODE_PG_MIGRATE = join(ROOT, 'node_modules/node-pg-migrate/bin/node-pg-migrate.js');
const DBMATE = join(ROOT, '.bench-peers/node_modules/@dbmate/linux-x64/bin/dbmate');
const SQUAWK = join(ROOT, '.bench-peers/node_modules/@squawk-cli/linux-x64/bin/squawk');
const CORPUS = join(ROOT, 'test/fixtures/lint-corpus');
const PAIRS = Number(process.env.ZERODOWN_BENCH_PAIRS ?? 9);
const UP_PAIRS = Number(process.env.ZERODOWN_BENCH_UP_PAIRS ?? 5);

interface Sample {
  readonly ms: number;
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

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const ms = (n: number) => `${Math.round(n)} ms`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function migrationSql(i: number): string {
  return `CREATE TABLE bench_t${i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);`;
}

export default async function startupBench(): Promise<string> {
  const serverUrl =
    process.env.DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
  const work = await mkdtemp(join(tmpdir(), 'zerodown-startup-bench-'));
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const databases: string[] = [];
  const freshDatabase = async () => {
    const name = `zd_startup_${databases.length}_${process.pid}`;
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    databases.push(name);
    return withDatabase(serverUrl, name);
  };
  try {
    const measurePy = join(work, 'measure.py');
    await writeFile(measurePy, MEASURE_PY);
    const measure = (command: string[], env: Record<string, string> = {}): Sample =>
      JSON.parse(
        execFileSync('python3', [measurePy, ...command], {
          env: { ...process.env, ...env },
          encoding: 'utf8',
        }),
      );
    // the same migrations in each tool's format: dbmate's is zerodown's; node-pg-migrate marks sections itself
    const zerodownDir = join(work, 'migrations');
    const npmDir = join(work, 'node-pg-migrate');
    const lintDir = join(work, 'lint');
    for (const dir of [zerodownDir, npmDir, lintDir]) await mkdir(dir);
    for (let i = 1; i <= 200; i++) {
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
    const node = process.execPath;
    const zerodown = (...args: string[]) => [node, BIN, ...args];

    /** Alternates peer and zerodown `pairs` times (after one warm-up of each); `before` runs untimed. */
    const pair = async (
      peer: () => string[],
      ours: () => string[],
      pairs: number,
      before?: () => Promise<void>,
    ) => {
      const peerSamples: Sample[] = [];
      const ourSamples: Sample[] = [];
      const run = async (command: () => string[], into: Sample[] | undefined) => {
        await before?.();
        const sample = measure(command());
        if (sample.code !== 0 && sample.code !== 1)
          throw new Error(`${command().join(' ')} exited ${sample.code}`);
        into?.push(sample);
      };
      await run(peer, undefined);
      await run(ours, undefined);
      for (let i = 0; i < pairs; i++) {
        if (i % 2 === 0) {
          await run(peer, peerSamples);
          await run(ours, ourSamples);
        } else {
          await run(ours, ourSamples);
          await run(peer, peerSamples);
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
      upUrl = await freshDatabase();
      process.env.ZD_BENCH_URL = upUrl;
    };
    const dbmateUrl = () => `${upUrl}${upUrl.includes('?') ? '&' : '?'}sslmode=disable`;
    const zerodownUp = () => zerodown('up', '--migrations', zerodownDir, '--database-url', upUrl);
    const npmUp = (...more: string[]) =>
      pair(
        () => [node, NODE_PG_MIGRATE, 'up', '-m', npmDir, '-d', 'ZD_BENCH_URL', ...more],
        zerodownUp,
        UP_PAIRS,
        freshUp,
      );
    const upNpm = await npmUp();
    // node-pg-migrate runs all pending migrations in one transaction by default; zerodown and dbmate
    // commit each migration with its record (a failure keeps what was applied before it, and no run
    // holds every lock it took until the end): the same with --no-single-transaction
    const upNpmEach = await npmUp('--no-single-transaction');
    const upDbmate = await pair(
      () => [DBMATE, '--url', dbmateUrl(), '--migrations-dir', zerodownDir, '--no-dump-schema', 'up'],
      zerodownUp,
      UP_PAIRS,
      freshUp,
    );
    // --help and status: one database with the 200 applied
    const statusUrl = await freshDatabase();
    execFileSync(node, [BIN, 'up', '--migrations', zerodownDir, '--database-url', statusUrl], {
      stdio: 'ignore',
    });
    const help = await pair(
      () => [node, NODE_PG_MIGRATE, '--help'],
      () => zerodown('--help'),
      PAIRS,
    );
    const status = await pair(
      () => [node, NODE_PG_MIGRATE, '--help'],
      () => zerodown('status', '--migrations', zerodownDir, '--database-url', statusUrl),
      PAIRS,
    );
    const lint = await pair(
      () => [SQUAWK, join(lintDir, '*.sql')],
      () => zerodown('lint', lintDir),
      PAIRS,
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
      return JSON.parse(await readFile(out, 'utf8')) as {
        all: number;
        deps: number;
        packages: string[];
      };
    };
    const helpModules = await modules(['--help']);
    const statusModules = await modules(['status', '--migrations', zerodownDir, '--database-url', statusUrl]);

    const met = (ok: boolean) => (ok ? 'yes' : '**no**');
    const row = (
      what: string,
      r: { peerMs: number; ourMs: number; ratio: number; peerRss: number; ourRss: number },
      peer: string,
      goal: string,
      ok: boolean,
    ) =>
      `| ${what} | ${ms(r.ourMs)} | ${peer} ${ms(r.peerMs)} | ${r.ratio.toFixed(2)}x | ${goal} | ${met(ok)} | ${mb(r.ourRss)} / ${mb(r.peerRss)} |`;
    const rows = [
      row('`zerodown --help`', help, '`node-pg-migrate --help`', '<= 1.0x', help.ratio <= 1),
      row(
        '`zerodown status` (200 applied)',
        status,
        '`node-pg-migrate --help`',
        '<= 1.0x',
        status.ratio <= 1,
      ),
      row(
        '`zerodown up`, 200 migrations',
        upNpm,
        '`node-pg-migrate up` (one transaction)',
        '<= 1.0x',
        upNpm.ratio <= 1,
      ),
      row(
        '`zerodown up`, 200 migrations',
        upNpmEach,
        '`node-pg-migrate up --no-single-transaction`',
        '<= 1.0x',
        upNpmEach.ratio <= 1,
      ),
      row('`zerodown up`, 200 migrations', upDbmate, '`dbmate up`', '<= 1.2x', upDbmate.ratio <= 1.2),
      row('`zerodown lint`, 100 files (the lint corpus)', lint, '`squawk`', '< 500 ms', lint.ourMs < 500),
    ];
    const misses = [
      help.ourMs < 150
        ? ''
        : `\`--help\` takes ${ms(help.ourMs)}, above the 150 ms aim: Node and commander alone take most of it here.`,
      status.ourMs < 150
        ? ''
        : `\`status\` takes ${ms(status.ourMs)}, above the 150 ms aim: it loads pg, connects and reads the state (no parser: it checksums the files).`,
      upNpm.ratio <= 1
        ? ''
        : `\`up\` is ${upNpm.ratio.toFixed(2)}x \`node-pg-migrate up\`, which runs the 200 migrations in one transaction (one commit); zerodown commits each migration with its record, as dbmate does.`,
      upNpmEach.ratio <= 1
        ? ''
        : `\`up\` is ${upNpmEach.ratio.toFixed(2)}x \`node-pg-migrate up --no-single-transaction\`.`,
      upDbmate.ratio <= 1.2
        ? ''
        : `\`up\` is ${upDbmate.ratio.toFixed(2)}x dbmate (a Go binary: no runtime to start, no lint, no parser); the statements and commits cost the same (the same four round trips a migration), what zerodown adds is paid once per command: Node and its modules (the linter with its zod config schema, the parser's WASM), loading and linting the 200 files, and creating its state schema.`,
      lint.ourMs < 500
        ? ''
        : `\`lint\` takes ${ms(lint.ourMs)}: loading Node's modules (about 180, zod's 95 among them for the config schema) and the parser's WASM is most of it; the rules themselves take about 75 ms for 1,000 statements (see "Lint" above).`,
    ].filter(Boolean);
    return [
      '## Start-up and whole commands',
      '',
      `Each command a separate process, ${PAIRS} pairs (up: ${UP_PAIRS}) alternating which goes first after a warm-up of each, medians; peak memory is the largest resident set of the process tree over the runs (getrusage of the children). Produced by \`npm run bench -- startup\` (it installs dbmate and squawk into .bench-peers/ first; \`node bin/zerodown.mjs\`, the compiled CLI in dist/), PostgreSQL at the same server for every tool, a fresh database before each \`up\`.`,
      '',
      '| command | zerodown | peer | ratio | goal | met | peak memory zerodown / peer |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
      `Modules loaded: \`zerodown --help\` ${helpModules.all} (${helpModules.deps} from node_modules: ${helpModules.packages.join(', ')}); \`zerodown status\` ${statusModules.all} (${statusModules.deps}: ${statusModules.packages.join(', ')}).`,
      '',
      misses.length === 0 ? 'Every goal is met.' : `Not met: ${misses.join(' ')}`,
    ].join('\n');
  } finally {
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
    await admin.end();
    await rm(work, { recursive: true, force: true });
  }
}
