import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temporary migrations directory with the given files, removed after the test file. */
export async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zerodown-migrations-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
