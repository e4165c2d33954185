import { type Command, InvalidArgumentError } from 'commander';

interface SplitCommandOptions {
  name?: string;
  version?: string;
  migrations: string;
}

/**
 * `zerodown split <file.sql>`: writes the recipe files equivalent to a migration written the unsafe way
 * (Prisma's migration.sql, Drizzle's, hand-written); says what it could not split (exit 1 then). The
 * parser and the recipes load only once the command runs.
 */
export function registerSplit(program: Command): void {
  program
    .command('split')
    .description('split an unsafe migration (as an ORM writes it) into expand, backfill and contract files')
    .argument('<file>', 'the migration to split, e.g. prisma/migrations/<dir>/migration.sql')
    .option('--name <name>', "the migrations' name (default: from the file or its directory)", (value) => {
      if (!/^[A-Za-z0-9_-]+$/.test(value))
        throw new InvalidArgumentError('use letters, digits, _ and - only');
      return value;
    })
    .option(
      '--version <version>',
      'the first version (digits; default: the UTC time, YYYYMMDDHHMMSS)',
      (value) => {
        if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a version: digits only`);
        return value;
      },
    )
    .option('--migrations <dir>', 'where the files go', './migrations')
    .action(async (file: string, options: SplitCommandOptions) => {
      const { splitFile } = await import('../actions/split.ts');
      await splitFile(file, options);
    });
}
