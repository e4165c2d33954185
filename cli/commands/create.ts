import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { InvalidInput } from '../../core/errors.ts';
import type { Phase } from '../../core/migrations/types.ts';
import {
  FOREIGN_KEY_ACTIONS,
  RECIPE_KINDS,
  type RecipeKind,
  type RecipeOptions,
} from '../../core/recipes/types.ts';
import { refuseTakenVersions, utcVersion } from '../migration-versions.ts';
import { stderrLog } from '../output.ts';
import { phaseList } from '../workflow-input-options.ts';

const TEMPLATES = {
  sql: '-- migrate:up\n\n\n-- migrate:down\n\n',
  js: "/** @param {import('node-pg-migrate').MigrationBuilder} pgm */\nexports.up = (pgm) => {};\n\n/** @param {import('node-pg-migrate').MigrationBuilder} pgm */\nexports.down = (pgm) => {};\n",
  backfill: `${JSON.stringify({ table: 'users', set: { new_column: 'old_column' }, where: 'new_column IS NULL', sync: true }, null, 2)}\n`,
};

interface CreateOptions extends Omit<RecipeOptions, 'columns' | 'referencedColumns'> {
  recipe?: RecipeKind;
  column?: string[];
  referencedColumn?: string[];
  phase?: Phase;
  phases?: Phase[];
  version?: string;
  language: 'sql' | 'js';
  migrations: string;
}

/** `<version>_<name>[.<phase>].<ext>` (DESIGN.md): expand has no phase suffix, a backfill is `.backfill.json`. */
function fileName(version: string, name: string, phase: Phase, language: 'sql' | 'js'): string {
  const suffix = phase === 'expand' ? '' : `.${phase}`;
  return `${version}_${name}${suffix}.${phase === 'backfill' ? 'json' : language}`;
}

/**
 * `zerodown create <name>`: writes a new migration file named with a UTC timestamp version (or
 * `--version`); `--phases expand,backfill,contract` writes one file per phase under that one version.
 */
export function registerCreate(program: Command): void {
  const command = program
    .command('create')
    .description('create migration files <version>_<name>[.<phase>].<ext>, one version for every phase given')
    .argument('<name>', 'what the migration does, e.g. add_display_name', (value) => {
      if (!/^[A-Za-z0-9_-]+$/.test(value))
        throw new InvalidArgumentError('use letters, digits, _ and - only');
      return value;
    })
    .addOption(
      new Option('--phase <phase>', 'the phase of one file (default: expand)')
        .choices(['expand', 'backfill', 'contract'])
        .conflicts('recipe'),
    )
    .addOption(
      new Option('--phases <list>', 'one file per phase, comma-separated, all with the same version')
        .argParser(phaseList)
        .conflicts(['phase', 'recipe']),
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
    .option('--migrations <dir>', 'migrations directory', './migrations');
  addRecipeOptions(command);
  command.action(async (name: string, options: CreateOptions, self: Command) => {
    const version = options.version ?? utcVersion();
    if (options.recipe) {
      if (self.getOptionValueSource('language') === 'cli' && options.language !== 'sql')
        throw new InvalidInput('--recipe writes SQL migrations: leave out --language');
      const { createRecipe } = await import('../actions/create-recipe.ts');
      return createRecipe(options.recipe, recipeOptions(options), {
        name,
        version,
        migrations: options.migrations,
      });
    }
    const given = RECIPE_FLAGS.filter(([, key]) => options[key] !== undefined).map(([flag]) => flag);
    if (given.length > 0) throw new InvalidInput(`${given.join(', ')}: only with --recipe <kind>`);
    const phases = [...new Set(options.phases ?? [options.phase ?? 'expand'])];
    await mkdir(options.migrations, { recursive: true });
    if (options.version !== undefined)
      await refuseTakenVersions(
        options.migrations,
        phases.map((phase) => ({ version, phase })),
      );
    for (const phase of phases) {
      const file = join(options.migrations, fileName(version, name, phase, options.language));
      const body = phase === 'backfill' ? TEMPLATES.backfill : TEMPLATES[options.language];
      await writeFile(file, body, { flag: 'wx' });
      stderrLog().info(`created ${file}`);
      process.stdout.write(`${file}\n`);
    }
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The recipe options and the fields they fill, for the "goes with --recipe" check. */
const RECIPE_FLAGS: [string, keyof CreateOptions][] = [
  ['--table', 'table'],
  ['--column', 'column'],
  ['--to', 'to'],
  ['--type', 'type'],
  ['--using', 'using'],
  ['--reverse', 'reverse'],
  ['--not-null', 'notNull'],
  ['--fill', 'fill'],
  ['--references', 'references'],
  ['--referenced-column', 'referencedColumn'],
  ['--on-delete', 'onDelete'],
  ['--on-update', 'onUpdate'],
  ['--into', 'into'],
  ['--key', 'key'],
  ['--constraint', 'constraint'],
];

/** `--recipe <kind>` and what recipes take (core/recipes checks which recipe takes which). */
function addRecipeOptions(command: Command): void {
  command
    .addOption(
      new Option('--recipe <kind>', 'write the expand, backfill and contract files of a change').choices([
        ...RECIPE_KINDS,
      ]),
    )
    .option('--table <table>', 'recipe: the table, "name" or "schema.name", as it is in the database')
    .option('--column <column>', 'recipe: the column (repeat for a multi-column key)', collect)
    .option('--to <name>', 'rename-column, rename-table: the new name')
    .option(
      '--type <type>',
      "change-type: the new SQL type; rename-column: the new column's (default: the old one's)",
    )
    .option(
      '--using <expression>',
      'change-type: SQL over the row giving the new value (default: "<column>"::<type>)',
    )
    .option(
      '--reverse <expression>',
      'change-type: SQL over the row giving the old value back (default: the new column, cast on assignment)',
    )
    .option('--not-null', 'change-type: the new column is NOT NULL too')
    .option('--fill <expression>', 'set-not-null: SQL over the row for the rows that hold NULL (a backfill)')
    .option('--references <table>', 'add-foreign-key: the referenced table')
    .option(
      '--referenced-column <column>',
      'add-foreign-key: the referenced column (repeatable; default: its primary key)',
      collect,
    )
    .addOption(
      new Option('--on-delete <action>', 'add-foreign-key: ON DELETE action').choices([
        ...FOREIGN_KEY_ACTIONS,
      ]),
    )
    .addOption(
      new Option('--on-update <action>', 'add-foreign-key: ON UPDATE action').choices([
        ...FOREIGN_KEY_ACTIONS,
      ]),
    )
    .option('--into <table>', 'split-column: the new table, in the same schema')
    .option(
      '--key <column>',
      'the key column the backfill walks (split-column: default id; others: the primary key)',
    )
    .option('--constraint <name>', 'the constraint or index name (default: derived from table and columns)');
}

function recipeOptions(options: CreateOptions): RecipeOptions {
  return {
    table: options.table,
    columns: options.column,
    to: options.to,
    type: options.type,
    using: options.using,
    reverse: options.reverse,
    notNull: options.notNull,
    fill: options.fill,
    references: options.references,
    referencedColumns: options.referencedColumn,
    onDelete: options.onDelete,
    onUpdate: options.onUpdate,
    into: options.into,
    key: options.key,
    constraint: options.constraint,
  };
}
