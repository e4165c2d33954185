import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { InvalidInput } from '../../core/errors.ts';
import { looksLikeMigration, parseFileName } from '../../core/migrations/filename.ts';
import type { Phase } from '../../core/migrations/types.ts';
import { stderrLog } from '../output.ts';
import { phaseList } from '../workflow-input-options.ts';

const TEMPLATES = {
  sql: '-- migrate:up\n\n\n-- migrate:down\n\n',
  js: "/** @param {import('node-pg-migrate').MigrationBuilder} pgm */\nexports.up = (pgm) => {};\n\n/** @param {import('node-pg-migrate').MigrationBuilder} pgm */\nexports.down = (pgm) => {};\n",
  backfill: `${JSON.stringify({ table: 'users', set: { new_column: 'old_column' }, where: 'new_column IS NULL', sync: true }, null, 2)}\n`,
};

interface CreateOptions {
  phase?: Phase;
  phases?: Phase[];
  version?: string;
  language: 'sql' | 'js';
  migrations: string;
}

function utcVersion(date = new Date()): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** `<version>_<name>[.<phase>].<ext>` (DESIGN.md): expand has no phase suffix, a backfill is `.backfill.json`. */
function fileName(version: string, name: string, phase: Phase, language: 'sql' | 'js'): string {
  const suffix = phase === 'expand' ? '' : `.${phase}`;
  return `${version}_${name}${suffix}.${phase === 'backfill' ? 'json' : language}`;
}

/** Refuses a version a phase already has in the directory: the loader would refuse the pair later. */
async function refuseTakenVersions(
  directory: string,
  version: string,
  phases: readonly Phase[],
): Promise<void> {
  const entries = await readdir(directory).catch(() => [] as string[]);
  for (const entry of entries.filter(looksLikeMigration)) {
    let parsed: ReturnType<typeof parseFileName>;
    try {
      parsed = parseFileName(entry);
    } catch {
      continue; // not a migration name: the loader says so, create has nothing to add
    }
    if (parsed.version === version && phases.includes(parsed.phase)) {
      throw new InvalidInput(
        `${join(directory, entry)} already has version ${version} in phase ${parsed.phase}; give another --version`,
      );
    }
  }
}

/**
 * `zerodown create <name>`: writes a new migration file named with a UTC timestamp version (or
 * `--version`); `--phases expand,backfill,contract` writes one file per phase under that one version.
 */
export function registerCreate(program: Command): void {
  program
    .command('create')
    .description('create migration files <version>_<name>[.<phase>].<ext>, one version for every phase given')
    .argument('<name>', 'what the migration does, e.g. add_display_name', (value) => {
      if (!/^[A-Za-z0-9_-]+$/.test(value))
        throw new InvalidArgumentError('use letters, digits, _ and - only');
      return value;
    })
    .addOption(
      new Option('--phase <phase>', 'the phase of one file (default: expand)').choices([
        'expand',
        'backfill',
        'contract',
      ]),
    )
    .addOption(
      new Option('--phases <list>', 'one file per phase, comma-separated, all with the same version')
        .argParser(phaseList)
        .conflicts('phase'),
    )
    .option('--version <version>', 'the version (digits; default: the UTC time, YYYYMMDDHHMMSS)', (value) => {
      if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a version: digits only`);
      return value;
    })
    .addOption(
      new Option('--language <language>', 'sql or node-pg-migrate js (expand and contract)')
        .choices(['sql', 'js'])
        .default('sql'),
    )
    .option('--migrations <dir>', 'migrations directory', './migrations')
    .action(async (name: string, options: CreateOptions) => {
      const phases = [...new Set(options.phases ?? [options.phase ?? 'expand'])];
      const version = options.version ?? utcVersion();
      await mkdir(options.migrations, { recursive: true });
      if (options.version !== undefined) await refuseTakenVersions(options.migrations, version, phases);
      for (const phase of phases) {
        const file = join(options.migrations, fileName(version, name, phase, options.language));
        const body = phase === 'backfill' ? TEMPLATES.backfill : TEMPLATES[options.language];
        await writeFile(file, body, { flag: 'wx' });
        stderrLog().info(`created ${file}`);
        process.stdout.write(`${file}\n`);
      }
    });
}
