import { MigrationLoadError } from '../errors.ts';
import { PHASES, type Phase } from './types.ts';

/** What a migration's file name says about it. */
export interface ParsedFileName {
  readonly version: string;
  readonly name: string;
  readonly phase: Phase;
  readonly extension: string;
}

const MIGRATION_EXTENSIONS = ['sql', 'js', 'cjs', 'mjs', 'ts', 'cts', 'mts', 'json'];
const FLYWAY = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const ZERODOWN = /^(\d+)_([^.]+)(?:\.([^.]+))?\.([A-Za-z]+)$/;

/** Whether a directory entry is meant to be a migration (by extension); others are ignored. */
export function looksLikeMigration(fileName: string): boolean {
  if (fileName.startsWith('.') || fileName.endsWith('.d.ts')) return false;
  // case-insensitively: a `.SQL` file must be refused by name, not skipped without a word
  const extension = (fileName.split('.').pop() ?? '').toLowerCase();
  return MIGRATION_EXTENSIONS.includes(extension);
}

/**
 * Parses `<version>_<name>[.<phase>].<ext>` and Flyway's `V<version>__<name>.sql`.
 *
 * @example
 * parseFileName('20240101_add_display_name.contract.sql'); // { version: '20240101', phase: 'contract', ... }
 */
export function parseFileName(fileName: string, file = fileName): ParsedFileName {
  const flyway = FLYWAY.exec(fileName);
  if (flyway) return { version: flyway[1]!, name: flyway[2]!, phase: 'expand', extension: 'sql' };
  const match = ZERODOWN.exec(fileName);
  if (!match) {
    throw new MigrationLoadError(
      file,
      'file name is not <version>_<name>[.<phase>].<ext> (version digits, phase expand|backfill|contract) or Flyway V<n>__<name>.sql; rename it',
    );
  }
  const [, version, name, phaseText, extension] = match as unknown as [
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  if (extension !== extension.toLowerCase()) {
    throw new MigrationLoadError(
      file,
      `extension ".${extension}" is not lower case; rename the file to end in ".${extension.toLowerCase()}"`,
    );
  }
  // dbmate takes any *.sql, so a history may hold `<version>_<name>.sql.sql`: the same as .sql
  if (phaseText === 'sql' && extension === 'sql') return { version, name, phase: 'expand', extension };
  if (phaseText !== undefined && !(PHASES as readonly string[]).includes(phaseText)) {
    throw new MigrationLoadError(file, `unknown phase "${phaseText}": use expand, backfill or contract`);
  }
  const phase = (phaseText ?? 'expand') as Phase;
  if (!MIGRATION_EXTENSIONS.includes(extension)) {
    throw new MigrationLoadError(file, `unsupported extension ".${extension}"`);
  }
  if (phase === 'backfill' && !['json', 'ts', 'js', 'mts', 'mjs'].includes(extension)) {
    throw new MigrationLoadError(file, 'a backfill is a .backfill.json or .backfill.ts spec, not SQL');
  }
  if (extension === 'json' && phase !== 'backfill') {
    throw new MigrationLoadError(
      file,
      'a .json migration must be a backfill spec named <version>_<name>.backfill.json',
    );
  }
  return { version, name, phase, extension };
}

/** Compares versions numerically, segment by segment (Flyway `1.10` after `1.9`). */
export function compareVersions(a: string, b: string): number {
  const as = a.split(/[._]/).map((s) => BigInt(s));
  const bs = b.split(/[._]/).map((s) => BigInt(s));
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const x = as[i] ?? -1n;
    const y = bs[i] ?? -1n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Order: version, then phase (expand < backfill < contract), then name. */
export function compareMigrations(
  a: { version: string; phase: Phase; name: string },
  b: { version: string; phase: Phase; name: string },
): number {
  return (
    compareVersions(a.version, b.version) ||
    PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) ||
    a.name.localeCompare(b.name)
  );
}
