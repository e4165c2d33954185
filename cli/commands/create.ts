import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { stderrLog } from '../output.ts';

const TEMPLATES = {
  sql: '-- migrate:up\n\n\n-- migrate:down\n\n',
  js: "/** @param {import('node-pg-migrate').MigrationBuilder} pgm */\nexports.up = (pgm) => {};\n\n/** @param {import('node-pg-migrate').MigrationBuilder} pgm */\nexports.down = (pgm) => {};\n",
  backfill: `${JSON.stringify({ table: 'users', set: { new_column: 'old_column' }, where: 'new_column IS NULL', sync: true }, null, 2)}\n`,
};

function utcVersion(date = new Date()): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** `zerodown create <name>`: writes a new migration file named with a UTC timestamp version. */
export function registerCreate(program: Command): void {
  program
    .command('create')
    .description('create a migration file <timestamp>_<name>[.<phase>].<ext>')
    .argument('<name>', 'what the migration does, e.g. add_display_name', (value) => {
      if (!/^[A-Za-z0-9_-]+$/.test(value))
        throw new InvalidArgumentError('use letters, digits, _ and - only');
      return value;
    })
    .addOption(
      new Option('--phase <phase>', 'phase').choices(['expand', 'backfill', 'contract']).default('expand'),
    )
    .addOption(
      new Option('--language <language>', 'sql or node-pg-migrate js').choices(['sql', 'js']).default('sql'),
    )
    .option('--migrations <dir>', 'migrations directory', './migrations')
    .action(async (name: string, options: { phase: string; language: 'sql' | 'js'; migrations: string }) => {
      const suffix = options.phase === 'expand' ? '' : `.${options.phase}`;
      const extension = options.phase === 'backfill' ? 'json' : options.language;
      const file = join(options.migrations, `${utcVersion()}_${name}${suffix}.${extension}`);
      await mkdir(options.migrations, { recursive: true });
      const body = options.phase === 'backfill' ? TEMPLATES.backfill : TEMPLATES[options.language];
      await writeFile(file, body, { flag: 'wx' });
      stderrLog().info(`created ${file}`);
      process.stdout.write(`${file}\n`);
    });
}
