import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../../core/migrations/load.ts';
import { afterBundlingCommands } from '../../../infra/task-functions.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('module migrations in a Lambda bundle', () => {
  it('load from the JavaScript compiled at synth, with the checksum of the original file', async () => {
    // GIVEN a .ts migration and, as the bundle has it, its compiled ESM next to it
    const dir = await mkdtemp(join(tmpdir(), 'zerodown-precompiled-'));
    dirs.push(dir);
    const source = "export const up = (pgm: { sql(text: string): void }): void => pgm.sql('SELECT 1');\n";
    await writeFile(join(dir, '1_source.ts'), source);
    await mkdir(join(dir, '.compiled'));
    // the compiled file differs on purpose: the loader must use it, not compile the source
    await writeFile(
      join(dir, '.compiled', '1_source.ts.mjs'),
      "export const up = (pgm) => pgm.sql('SELECT 2');\n",
    );
    // WHEN the directory is loaded
    const [migration] = await loadMigrations(dir);
    // THEN the compiled module ran, and the identity is the original file's
    expect(migration?.kind === 'schema' && migration.up.statements.map((s) => s.sql)).toEqual(['SELECT 2']);
    expect(migration?.checksum).toBe(
      createHash('sha256')
        .update(await readFile(join(dir, '1_source.ts')))
        .digest('hex'),
    );
  });

  it('are compiled by the afterBundling commands, one esbuild run per module migration', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zerodown-hooks-'));
    dirs.push(dir);
    await writeFile(join(dir, '1_a.sql'), 'SELECT 1;');
    await writeFile(join(dir, '2_b.ts'), 'export const up = () => {};');
    await writeFile(join(dir, '3_c.backfill.ts'), 'export default {};');
    await writeFile(join(dir, 'types.d.ts'), 'export {};');
    const commands = afterBundlingCommands(dir, '/out');
    expect(
      commands.filter((c) => c.includes('esbuild')).map((c) => c.match(/--outfile='([^']+)'/)?.[1]),
    ).toEqual(['/out/migrations/.compiled/2_b.ts.mjs', '/out/migrations/.compiled/3_c.backfill.ts.mjs']);
    expect(commands).toContain(`cp -R '${dir}/.' '/out/migrations'`);
    expect(commands.some((c) => c.endsWith("'/out/libpg-query.wasm'"))).toBe(true);
  });
});
