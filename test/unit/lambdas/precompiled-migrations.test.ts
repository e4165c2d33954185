import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../../core/migrations/load.ts';
import { bundleTask } from '../../../infra/bundle.ts';

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

  it('are compiled into the bundle, one file per module migration, next to the files as they are', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zerodown-hooks-'));
    const out = await mkdtemp(join(tmpdir(), 'zerodown-asset-'));
    dirs.push(dir, out);
    await writeFile(join(dir, '1_a.sql'), 'SELECT 1;');
    await writeFile(
      join(dir, '2_b.ts'),
      "export const up = (pgm: { sql(t: string): void }) => pgm.sql('SELECT 2');",
    );
    await writeFile(join(dir, '3_c.backfill.ts'), 'export default {};');
    await writeFile(join(dir, 'types.d.ts'), 'export {};');
    bundleTask({ task: 'plan', migrationsDir: dir, outputDir: out });
    expect((await readdir(out)).sort()).toEqual(['index.mjs', 'libpg-query.wasm', 'migrations']);
    expect((await readdir(join(out, 'migrations', '.compiled'))).sort()).toEqual([
      '2_b.ts.mjs',
      '3_c.backfill.ts.mjs',
    ]);
    expect(await readFile(join(out, 'migrations', '2_b.ts'), 'utf8')).toContain('pgm: {');
    // the compiled module is plain JavaScript the bundle can import
    const compiled = await readFile(join(out, 'migrations', '.compiled', '2_b.ts.mjs'), 'utf8');
    expect(compiled).not.toContain('pgm: {');
    expect(compiled).toContain('SELECT 2');
  });

  it('write a source map only when asked to', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zerodown-hooks-'));
    const out = await mkdtemp(join(tmpdir(), 'zerodown-asset-'));
    dirs.push(dir, out);
    await writeFile(join(dir, '1_a.sql'), 'SELECT 1;');
    bundleTask({ task: 'gate', migrationsDir: dir, outputDir: out, sourceMap: true });
    expect((await readdir(out)).sort()).toEqual([
      'index.mjs',
      'index.mjs.map',
      'libpg-query.wasm',
      'migrations',
    ]);
  });
});
