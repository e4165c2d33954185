import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseFileName } from '../../core/migrations/filename.ts';
import {
  type RecipeFile,
  type RecipeKind,
  type RecipeOptions,
  recipeFileName,
  recipeFiles,
} from '../../core/recipes/index.ts';
import { loadSqlParser } from '../../core/sql/statements.ts';
import { refuseTakenVersions } from '../migration-versions.ts';
import { stderrLog } from '../output.ts';

/** Where recipe files go and what they are called: `<version + step>_<name>…`. */
export interface RecipeTarget {
  readonly name: string;
  readonly version: string;
  readonly migrations: string;
}

/** Writes a recipe's files, each path on stdout; all of them or none (a version a phase has is refused first). */
export async function writeRecipeFiles(
  files: readonly RecipeFile[],
  target: RecipeTarget,
): Promise<string[]> {
  const named = files.map((file) => ({
    path: join(target.migrations, recipeFileName(file, target.version, target.name)),
    text: file.text,
  }));
  await mkdir(target.migrations, { recursive: true });
  await refuseTakenVersions(
    target.migrations,
    named.map((f) => parseFileName(basename(f.path))),
  );
  for (const file of named) {
    await writeFile(file.path, file.text, { flag: 'wx' });
    stderrLog().info(`created ${file.path}`);
    process.stdout.write(`${file.path}\n`);
  }
  return named.map((f) => f.path);
}

/** `zerodown create <name> --recipe <kind> …`. */
export async function createRecipe(
  kind: RecipeKind,
  options: RecipeOptions,
  target: RecipeTarget,
): Promise<void> {
  await loadSqlParser();
  await writeRecipeFiles(recipeFiles(kind, options), target);
}
