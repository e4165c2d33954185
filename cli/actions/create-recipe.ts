import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseFileName } from '../../core/migrations/filename.ts';
import {
  type RecipeKind,
  type RecipeOptions,
  recipeFileName,
  recipeFiles,
} from '../../core/recipes/index.ts';
import { loadSqlParser } from '../../core/sql/statements.ts';
import { refuseTakenVersions } from '../migration-versions.ts';
import { stderrLog } from '../output.ts';

/** `zerodown create <name> --recipe <kind> …`: writes every file of the recipe, or none (a version taken). */
export async function createRecipe(
  kind: RecipeKind,
  options: RecipeOptions,
  target: { name: string; version: string; migrations: string },
): Promise<void> {
  await loadSqlParser();
  const files = recipeFiles(kind, options).map((file) => ({
    path: join(target.migrations, recipeFileName(file, target.version, target.name)),
    text: file.text,
  }));
  await mkdir(target.migrations, { recursive: true });
  await refuseTakenVersions(
    target.migrations,
    files.map((f) => parseFileName(basename(f.path))),
  );
  for (const file of files) {
    await writeFile(file.path, file.text, { flag: 'wx' });
    stderrLog().info(`created ${file.path}`);
    process.stdout.write(`${file.path}\n`);
  }
}
