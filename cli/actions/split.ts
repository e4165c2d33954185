import { readFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { InvalidInput } from '../../core/errors.ts';
import { splitMigration } from '../../core/recipes/split/index.ts';
import { requestExit } from '../exit.ts';
import { utcVersion } from '../migration-versions.ts';
import { stderrLog } from '../output.ts';
import { writeRecipeFiles } from './create-recipe.ts';

/** What `zerodown split` is given besides the file. */
export interface SplitOptions {
  readonly name?: string;
  readonly version?: string;
  readonly migrations: string;
}

/** `prisma/migrations/20240101_rename/migration.sql` -> `rename`; `drizzle/0003_brave_thor.sql` -> `brave_thor`. */
function nameFrom(file: string): string {
  const own = basename(file, extname(file));
  const base = own === 'migration' ? basename(dirname(file)) : own;
  const name = base
    .replace(/^\d+_/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return name || 'split';
}

/** `zerodown split <file>`: writes the files, says what became of each statement, exit 1 when one was not split. */
export async function splitFile(file: string, options: SplitOptions): Promise<void> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidInput(
      `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
    );
  });
  const { files, outcomes } = await splitMigration(file, text);
  if (files.length === 0) throw new InvalidInput(`${file} holds no statement to split`);
  const log = stderrLog();
  for (const o of outcomes) {
    const what = o.outcome === 'not split' ? `NOT SPLIT (${o.reason})` : o.outcome;
    log.info(`${file}:${o.line}: ${what}: ${o.sql.slice(0, 100)}`);
  }
  await writeRecipeFiles(files, {
    name: options.name ?? nameFrom(file),
    version: options.version ?? utcVersion(),
    migrations: options.migrations,
  });
  const unsplit = outcomes.filter((o) => o.outcome === 'not split');
  if (unsplit.length > 0) {
    log.error(
      `${unsplit.length} statement(s) could not be split: they are in the expand file under a "NOT SPLIT" note, and zerodown lint reports them; rewrite them by hand`,
    );
    requestExit(1);
  }
}
