import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where a deployment puts the JavaScript compiled from a module migration (infra's afterBundling). */
export const PRECOMPILED_DIR = '.compiled';

/** The precompiled ESM of a module migration (`<dir>/.compiled/<file>.mjs`), if the deployment made one. */
export function precompiledModulePath(path: string): string | undefined {
  const candidate = join(dirname(path), PRECOMPILED_DIR, `${basename(path)}.mjs`);
  return existsSync(candidate) ? candidate : undefined;
}

/**
 * Imports a module migration: the precompiled JavaScript when a deployment compiled it at synth (the
 * Lambda bundle carries no TypeScript compiler), else the file itself through `fallback` (jiti). The
 * checksum stays the one of the original file, so a migration has one identity everywhere.
 *
 * @example
 * const module = await importMigrationModule(path, (p) => jiti.import(p));
 */
export async function importMigrationModule(
  path: string,
  fallback: (path: string) => Promise<unknown>,
): Promise<unknown> {
  const compiled = precompiledModulePath(path);
  return compiled ? await import(pathToFileURL(compiled).href) : await fallback(path);
}
