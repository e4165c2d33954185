import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../cli/embedded-postgres.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;
// nobody must reach this repository (its tsx): not from a clone in /root, which embedded-postgres-anywhere covers
const nobodyReachesRepo =
  isRoot && spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', `${root}package.json`]).status === 0;

describe('embedded PostgreSQL (the fallback when there is no database and no Docker)', () => {
  it('starts a real PostgreSQL server as the current user and stops it', async () => {
    const server = await startEmbeddedPostgres();
    try {
      const client = new pg.Client(server.url);
      await client.connect();
      const { rows } = await client.query('SHOW server_version_num');
      await client.end();
      expect(Number(rows[0].server_version_num)).toBeGreaterThanOrEqual(180000);
    } finally {
      await server.stop();
    }
  });

  it("keeps a process's exit code: embedded-postgres's exit hook once turned every failure into 0", () => {
    // a test run (or a command) that failed sets the exit code and ends when its work is done; with the
    // embedded server started and stopped on the way, as npm test does on a laptop without a database
    const script = `import { startEmbeddedPostgres } from './cli/embedded-postgres.ts';
      const s = await startEmbeddedPostgres();
      await s.stop();
      process.exitCode = 3;`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(3);
  });

  it.runIf(nobodyReachesRepo)('also starts as a normal (non-root) user', () => {
    const script = `import { startEmbeddedPostgres } from './cli/embedded-postgres.ts';
      import pg from 'pg';
      const s = await startEmbeddedPostgres();
      const c = new pg.Client(s.url); await c.connect();
      const r = await c.query('SELECT current_setting($1) AS v', ['server_version_num']);
      await c.end(); await s.stop();
      console.log('version=' + r.rows[0].v, 'uid=' + process.getuid());`;
    const result = spawnSync(
      'runuser',
      ['-u', 'nobody', '--', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.stdout).toMatch(/version=18\d{4} uid=65534/);
  });
});
