import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli-process.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** node-pg-migrate's CLI (a dependency of zerodown). */
export const NODE_PG_MIGRATE = fileURLToPath(
  new URL('../../node_modules/node-pg-migrate/bin/node-pg-migrate.js', import.meta.url),
);

/** Where scripts/install-bench-peers.sh puts dbmate (as bench/startup.bench.ts finds it). */
const DBMATE = `${ROOT}.bench-peers/node_modules/@dbmate/linux-x64/bin/dbmate`;

/**
 * The dbmate binary, installed into .bench-peers/ by scripts/install-bench-peers.sh when it is not there
 * yet (its npm package ships one binary per platform, so it stays out of the project's lock file); or,
 * when that fails (no registry, another platform), the reason, for the test to skip with.
 */
export function findDbmate(): { path: string } | { reason: string } {
  if (existsSync(DBMATE)) return { path: DBMATE };
  try {
    execFileSync('bash', ['scripts/install-bench-peers.sh'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  } catch (error) {
    return {
      reason: `dbmate is not installed and scripts/install-bench-peers.sh failed: ${(error as Error).message.split('\n')[0]}`,
    };
  }
  return existsSync(DBMATE)
    ? { path: DBMATE }
    : {
        reason: `scripts/install-bench-peers.sh left no dbmate at ${DBMATE} (dbmate ships linux-x64 here only)`,
      };
}

/** `zerodown baseline --from <tool> ...args --migrations <dir> --database-url <url>` as a child process. */
export function runBaseline(tool: string, dir: string, url: string, ...args: string[]) {
  return runCli(['baseline', '--from', tool, ...args, '--migrations', dir, '--database-url', url]);
}
