import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintPaths } from '../../../core/lint/index.ts';
import { loadMigrations } from '../../../core/migrations/load.ts';
import { recipeFileName } from '../../../core/recipes/index.ts';
import { splitMigration } from '../../../core/recipes/split/index.ts';

const FIXTURES = new URL('../../fixtures/split/', import.meta.url).pathname;
const PRISMA = join(FIXTURES, 'prisma/migrations/20260301120000_profile_changes/migration.sql');
const DRIZZLE = join(FIXTURES, 'drizzle/0003_brave_thor.sql');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zerodown-split-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function split(file: string) {
  const result = await splitMigration(file, await readFile(file, 'utf8'));
  const target = join(dir, String(Math.random()).slice(2));
  await mkdir(target);
  for (const f of result.files)
    await writeFile(join(target, recipeFileName(f, '20260401000000', 'split')), f.text);
  return { ...result, target };
}

describe('zerodown split on the migrations ORMs write', () => {
  it("Drizzle's migration: every statement split into its recipe, the files lint clean and load", async () => {
    // GIVEN drizzle-kit's output: renames, a type change, SET NOT NULL, a foreign key, a unique, an index, a drop
    const { outcomes, target } = await split(DRIZZLE);
    // THEN each statement has its recipe, and the one that was safe is kept as written
    expect(outcomes.map((o) => `${o.line} ${o.outcome}`)).toEqual([
      '1 recipe:rename-table',
      '2 recipe:rename-column',
      '3 recipe:change-type',
      '4 recipe:set-not-null',
      '5 kept',
      '6 recipe:add-foreign-key',
      '7 recipe:add-unique',
      '8 index',
      '9 recipe:drop-column',
    ]);
    expect(await lintPaths([target])).toEqual([]);
    const migrations = await loadMigrations(target);
    expect(migrations.filter((m) => m.kind === 'backfill').map((m) => m.spec.table)).toEqual([
      'users',
      'orders',
    ]);
  });

  it("Prisma's migration: the multi-command ALTER taken apart; what has no recipe is kept under a note, and lint names it", async () => {
    const { outcomes, target } = await split(PRISMA);
    expect(outcomes.map((o) => `${o.line} ${o.outcome} ${o.sql.slice(0, 40)}`)).toEqual([
      '12 recipe:drop-column ALTER TABLE "User" DROP COLUMN "nickname',
      '12 kept ALTER TABLE "User" ADD COLUMN "fullName"',
      '12 not split ALTER TABLE "User" ADD COLUMN "role" TEX',
      '12 recipe:set-not-null ALTER TABLE "User" ALTER COLUMN "email" ',
      '12 recipe:change-type ALTER TABLE "User" ALTER COLUMN "age" SE',
      '19 recipe:rename-column ALTER TABLE "User" RENAME COLUMN "bio" T',
      '22 kept CREATE TABLE "Post" ( "id" SERIAL NOT NU',
      '31 index CREATE UNIQUE INDEX CONCURRENTLY IF NOT ',
      '34 kept CREATE INDEX "Post_authorId_idx" ON "Pos',
      '37 kept ALTER TABLE "Post" ADD CONSTRAINT "Post_',
      '40 recipe:add-foreign-key ALTER TABLE "Comment" ADD CONSTRAINT "Co',
    ]);
    expect(outcomes.find((o) => o.outcome === 'not split')?.reason).toMatch(
      /^AddColumn has no recipe; adding-required-column/,
    );
    // the table the migration creates, its index and foreign key stay together: lint knows the table is new
    const findings = await lintPaths([target]);
    // (and Prisma's own choices, kept as written, are warnings)
    expect(findings.map((f) => `${f.rule} ${f.severity}`)).toEqual([
      'adding-required-column error',
      'prefer-bigint warning',
      'prefer-identity warning',
    ]);
    const kept = (await loadMigrations(target)).find((m) => m.file.endsWith('20260401000009_split.sql'));
    expect(kept?.kind === 'schema' && kept.down.kind).toBe('script');
  });

  it('a hand-written migration with names that need quoting, and a statement the parser refuses', async () => {
    const file = join(dir, 'hand.sql');
    await writeFile(
      file,
      '-- migrate:up\nALTER TABLE app."Order Items" RENAME COLUMN "user""name" TO "select";\nALTER TABLE app."Order Items" ALTER COLUMN "größe" TYPE bigint USING "größe"::bigint;\n-- migrate:down\n',
    );
    const { outcomes, files, target } = await split(file);
    expect(outcomes.map((o) => o.outcome)).toEqual(['recipe:rename-column', 'recipe:change-type']);
    expect(files.find((f) => f.phase === 'backfill' && f.text.includes('größe_new'))?.text).toContain(
      '"größe_new": "\\"größe\\"::bigint"',
    );
    expect(await lintPaths([target])).toEqual([]);
    await writeFile(file, 'ALTER TABLE users RENAME COLUMN;');
    await expect(splitMigration(file, await readFile(file, 'utf8'))).rejects.toThrow(
      /hand\.sql.*syntax error/s,
    );
  });
});
