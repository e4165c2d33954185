/**
 * What every benchmark shares: its sizes (full for docs/benchmarks.md, quick for a laptop, tiny for the
 * test that keeps each one from rotting), the PostgreSQL server it runs against, and the figures it
 * returns (markdown for the page, the same figures as data for docs/benchmarks.json, SVG charts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { BenchServer } from './server.ts';

export type BenchSize = 'full' | 'quick' | 'tiny';

export interface BenchContext {
  readonly size: BenchSize;
  /** The server every database bench runs against; a bench makes databases of its own on it. */
  readonly server: BenchServer;
  /** The command that reproduces this benchmark, as the page shows it. */
  readonly command: string;
  /** The value for this run's size. */
  sized<T>(values: Readonly<Record<BenchSize, T>>): T;
  /** A progress line on stderr. */
  progress(message: string): void;
  /** A fresh database on the server (dropped after the benchmark), its URL. */
  freshDatabase(prefix?: string): Promise<string>;
}

/** One figure of docs/benchmarks.json: a value with its unit, and for a ratio what it compares. */
export type Figures = Record<string, unknown>;

export interface BenchResult {
  /** The section for docs/benchmarks.md, its `## ` heading first. */
  readonly markdown: string;
  /** The section's figures as data: the same numbers the markdown shows. */
  readonly figures: Figures;
  /** SVG charts by file name: written to docs/benchmarks/<name> and shown in the section. */
  readonly charts?: Readonly<Record<string, string>>;
}

export interface Bench {
  /** `npm run bench -- <name>` runs this one. */
  readonly name: string;
  run(context: BenchContext): Promise<BenchResult>;
}

/** Declares a benchmark (its module default-exports it). */
export function defineBench(bench: Bench): Bench {
  return bench;
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function connect(url: string, applicationName = 'zerodown-bench'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  return client;
}

/** The context of one benchmark's run; `close` drops the databases it made. */
export function benchContext(
  name: string,
  size: BenchSize,
  server: BenchServer,
): BenchContext & { close(): Promise<void> } {
  const databases: string[] = [];
  const flag = size === 'full' ? '' : ` --${size}`;
  return {
    size,
    server,
    command: `${server.setting}npm run bench -- ${name}${flag}`,
    sized: (values) => values[size],
    // the tiny runs are the test's: their progress would only clutter its output
    progress: (message) => {
      if (size !== 'tiny') process.stderr.write(`  ${name}: ${message}\n`);
    },
    async freshDatabase(prefix = 'zd_bench') {
      const database = `${prefix}_${randomBytes(4).toString('hex')}`;
      const admin = await connect(server.url);
      try {
        await admin.query(`CREATE DATABASE ${database}`);
      } finally {
        await admin.end();
      }
      databases.push(database);
      return withDatabase(server.url, database);
    },
    async close() {
      if (databases.length === 0) return;
      const admin = await connect(server.url);
      try {
        for (const database of databases.splice(0))
          await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The nearest-rank percentile (p in 0–100); 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A figure rounded for the page and the JSON alike. */
export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** "yes" or a bold "no", for the goal tables. */
export const met = (ok: boolean) => (ok ? 'yes' : '**no**');

/** The PostgreSQL version of a server, as `SHOW server_version` gives it. */
export async function serverVersion(url: string): Promise<string> {
  const client = await connect(url);
  try {
    return (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
  } finally {
    await client.end();
  }
}

const PEERS = fileURLToPath(new URL('../.bench-peers/node_modules/', import.meta.url));

/**
 * The binary of a peer that ships one per platform (dbmate, squawk), installed into .bench-peers/ by
 * scripts/install-bench-peers.sh (which `npm run bench` runs); a clear error when it is not there.
 */
export function peerBinary(name: 'dbmate' | 'squawk'): string {
  const path = join(
    PEERS,
    name === 'dbmate' ? '@dbmate/linux-x64/bin/dbmate' : '@squawk-cli/linux-x64/bin/squawk',
  );
  if (!existsSync(path))
    throw new Error(
      `${name} is not installed at ${path}: run scripts/install-bench-peers.sh (npm run bench does)`,
    );
  return path;
}
