import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintPaths } from '../../../core/lint/index.ts';
import { loadMigrations } from '../../../core/migrations/load.ts';
import {
  RECIPE_KINDS,
  type RecipeKind,
  type RecipeOptions,
  recipeFileName,
  recipeFiles,
} from '../../../core/recipes/index.ts';
import { loadSqlParser } from '../../../core/sql/statements.ts';

/** Names a recipe must quote: a reserved word, a space, a double quote, upper case, unicode, a schema. */
const NAMES = { table: 'app.Order Items', column: 'user"name', other: 'select', unicode: 'größe_ü' };

/** Every recipe, with the options a user would give it (and the optional ones, so they are linted too). */
const EXAMPLES: Record<RecipeKind, RecipeOptions[]> = {
  'rename-column': [
    { table: NAMES.table, columns: [NAMES.column], to: NAMES.unicode },
    { table: 'users', columns: ['username'], to: 'display_name', type: 'text', key: 'id' },
  ],
  'rename-table': [
    { table: NAMES.table, to: NAMES.other },
    { table: 'customer', to: 'customers' },
  ],
  'change-type': [
    { table: NAMES.table, columns: [NAMES.other], type: 'bigint' },
    { table: 'orders', columns: ['total'], type: 'numeric(14, 2)', using: 'round(total, 2)', notNull: true },
  ],
  'set-not-null': [
    { table: NAMES.table, columns: [NAMES.unicode] },
    { table: 'users', columns: ['email'], fill: "'unknown@example.com'", constraint: 'users_email_nn' },
  ],
  'add-foreign-key': [
    { table: NAMES.table, columns: [NAMES.column], references: 'app.user' },
    {
      table: 'orders',
      columns: ['tenant', 'user_id'],
      references: 'users',
      referencedColumns: ['tenant', 'id'],
      onDelete: 'set-null',
    },
  ],
  'add-unique': [
    { table: NAMES.table, columns: [NAMES.column, NAMES.other] },
    { table: 'users', columns: ['email'], constraint: 'users_email_key' },
  ],
  'split-column': [
    { table: NAMES.table, columns: [NAMES.unicode], into: 'Order Item Sizes', key: 'order' },
    { table: 'users', columns: ['bio'], into: 'user_profiles' },
  ],
  'drop-column': [{ table: NAMES.table, columns: [NAMES.other] }],
};

let dir: string;
beforeAll(async () => {
  await loadSqlParser();
  dir = await mkdtemp(join(tmpdir(), 'zerodown-recipes-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function writeRecipe(kind: RecipeKind, options: RecipeOptions, n: number): Promise<string> {
  const target = join(dir, `${kind}-${n}`);
  await rm(target, { recursive: true, force: true });
  const { mkdir } = await import('node:fs/promises');
  await mkdir(target);
  for (const file of recipeFiles(kind, options)) {
    await writeFile(join(target, recipeFileName(file, '20260301000000', 'change')), file.text);
  }
  return target;
}

describe('every recipe file passes zerodown lint in its phase', () => {
  it('covers every recipe kind', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...RECIPE_KINDS].sort());
  });

  const cases = Object.entries(EXAMPLES).flatMap(([kind, list]) =>
    list.map((options, n) => [kind as RecipeKind, n, options] as const),
  );
  it.each(cases)('%s #%i: no finding, and the loader takes every file', async (kind, n, options) => {
    // GIVEN the files the recipe writes, in a directory of their own
    const target = await writeRecipe(kind, options, n);
    // WHEN they are linted as `zerodown lint` does (each in the phase its name says, in order)
    const findings = await lintPaths([target]);
    // THEN nothing is found, and they load as migrations, each phase of a version once
    expect(findings).toEqual([]);
    const migrations = await loadMigrations(target);
    expect(migrations.length).toBe(recipeFiles(kind, options).length);
    expect(new Set(migrations.map((m) => m.id)).size).toBe(migrations.length);
  });

  it('the same lint finds the unsafe form the recipe replaces (the check can fail)', async () => {
    const target = await writeRecipe('rename-column', EXAMPLES['rename-column'][0]!, 99);
    await writeFile(
      join(target, '20260301000009_unsafe.sql'),
      'ALTER TABLE "app"."Order Items" RENAME COLUMN "user""name" TO "größe_ü";',
    );
    const findings = await lintPaths([target]);
    expect(findings.map((f) => `${f.rule} ${f.severity}`)).toEqual(['renaming-column error']);
  });
});
