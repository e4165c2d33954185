import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInput } from '../core/errors.ts';
import { looksLikeMigration, parseFileName } from '../core/migrations/filename.ts';
import type { Phase } from '../core/migrations/types.ts';

/**
 * Refuses a version a phase already has in the directory (the loader would refuse the pair later), before
 * anything is written, so `create` writes all of its files or none.
 */
export async function refuseTakenVersions(
  directory: string,
  wanted: readonly { version: string; phase: Phase }[],
): Promise<void> {
  const entries = await readdir(directory).catch(() => [] as string[]);
  for (const entry of entries.filter(looksLikeMigration)) {
    let parsed: ReturnType<typeof parseFileName>;
    try {
      parsed = parseFileName(entry);
    } catch {
      continue; // not a migration name: the loader says so, create has nothing to add
    }
    if (wanted.some((w) => w.version === parsed.version && w.phase === parsed.phase)) {
      throw new InvalidInput(
        `${join(directory, entry)} already has version ${parsed.version} in phase ${parsed.phase}; give another --version`,
      );
    }
  }
}

/** A version from the UTC time, `YYYYMMDDHHMMSS`: what `create` and `split` name files with by default. */
export function utcVersion(date = new Date()): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}
