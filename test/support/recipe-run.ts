import pg from 'pg';
import { prepareBackfill, runBackfillToCompletion } from '../../core/backfill/index.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { BackfillMigration, Migration } from '../../core/migrations/types.ts';
import {
  type RecipeKind,
  type RecipeOptions,
  recipeFileName,
  recipeFiles,
} from '../../core/recipes/index.ts';
import { applyPending } from '../../core/runner/apply.ts';
import { rollback } from '../../core/runner/rollback.ts';
import { loadSqlParser } from '../../core/sql/statements.ts';
import { versionedConnection, versionSchemaName } from '../../core/versions/names.ts';
import { migrationsDir } from './migrations-dir.ts';
import { recordingLog } from './recording-log.ts';

/**
 * An application version's writer, in a loop on a connection of its own, whose progress can be waited
 * for: `reached(n)` resolves once n more steps have run, and rejects as soon as a step failed.
 */
function countedWriter(
  connect: () => Promise<pg.Client>,
  step: (client: pg.Client, n: number) => Promise<void>,
) {
  let running = true;
  let steps = 0;
  let failure: { error: unknown } | undefined;
  const waiting: { at: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  const settle = () => {
    for (const w of [...waiting]) {
      if (!failure && steps < w.at) continue;
      waiting.splice(waiting.indexOf(w), 1);
      if (failure) w.reject(failure.error);
      else w.resolve();
    }
  };
  const done = (async () => {
    let client: pg.Client | undefined;
    try {
      client = await connect();
      while (running) {
        await step(client, steps);
        steps++;
        settle();
      }
    } catch (error) {
      failure = { error };
      settle();
      throw error;
    } finally {
      await client?.end();
    }
    return steps;
  })();
  done.catch(() => undefined); // reported by reached() and stop()
  return {
    reached: (more: number) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ at: steps + more, resolve, reject });
        settle();
      }),
    stop: async () => {
      running = false;
      return await done;
    },
  };
}

/** One recipe, run as a release runs it, with an old-version and a new-version writer on real connections. */
export interface RecipeScenario {
  readonly kind: RecipeKind;
  readonly options: RecipeOptions;
  /** Digits; the recipe's steps take the versions after it. */
  readonly version: string;
  /** What the old application version writes, from before the expand until the deploy gate. */
  oldApp(client: pg.Client, n: number): Promise<void>;
  /** What the new version writes, from the moment it may run (sync installed) until the gate. */
  newApp(client: pg.Client, n: number): Promise<void>;
}

export interface RecipeRun {
  readonly migrations: Migration[];
  readonly log: ReturnType<typeof recordingLog>;
  /** How many steps each writer ran. */
  readonly steps: { old: number; new: number };
}

/**
 * Writes the recipe's files, then: old writer on; expand; the backfill's sync trigger installed; new writer
 * on; the backfills, in batches of 100, under both writers; both writers stopped (the deploy gate: no
 * old server runs); then `end`: the contract phase, or the workflow's rollback of what the execution applied.
 * `versioned`: a versioned release of that name; the new writer connects with its `search_path`.
 */
export async function runRecipe(
  db: { client: pg.Client; url: string; connect(): Promise<pg.Client> },
  scenario: RecipeScenario,
  end: 'contract' | 'rollback',
  options: { versioned?: string } = {},
): Promise<RecipeRun> {
  await loadSqlParser();
  const files: Record<string, string> = {};
  for (const file of recipeFiles(scenario.kind, scenario.options)) {
    // small batches, so that the writers run between them
    const text =
      file.extension === 'json' ? JSON.stringify({ ...JSON.parse(file.text), batchSize: 100 }) : file.text;
    files[recipeFileName(file, scenario.version, 'change')] = text;
  }
  const migrations = await loadMigrations(await migrationsDir(files));
  const log = recordingLog();
  const executionId = `recipe-${scenario.version}`;
  const backfills = migrations.filter((m): m is BackfillMigration => m.kind === 'backfill');
  // a versioned release: the expand creates the new version's schema of views, the new version uses it
  const versionedSchema = options.versioned ? { release: options.versioned } : undefined;
  const release = options.versioned;
  const connectNew = release
    ? async () => {
        const client = new pg.Client(versionedConnection({ connectionString: db.url }, release));
        await client.connect();
        // the new version resolves names in its own schema of views first
        const { rows } = await client.query<{ s: string[] }>('SELECT current_schemas(false)::text[] AS s');
        if (rows[0]!.s[0] !== versionSchemaName(release)) {
          await client.end();
          throw new Error(
            `the new version's search_path is ${rows[0]!.s}, not ${versionSchemaName(release)} first`,
          );
        }
        return client;
      }
    : db.connect;
  const oldApp = countedWriter(db.connect, scenario.oldApp);
  await oldApp.reached(20);
  await applyPending(db.client, migrations, { phases: ['expand'], executionId, log, versionedSchema });
  for (const backfill of backfills) await prepareBackfill(db.client, backfill, { executionId, log });
  const newApp = countedWriter(connectNew, scenario.newApp);
  await Promise.all([oldApp.reached(20), newApp.reached(20)]);
  for (const backfill of backfills) await runBackfillToCompletion(db.client, backfill, { executionId, log });
  await Promise.all([oldApp.reached(20), newApp.reached(20)]);
  const steps = { old: await oldApp.stop(), new: await newApp.stop() };
  if (end === 'contract')
    await applyPending(db.client, migrations, { phases: ['contract'], executionId, log, versionedSchema });
  else await rollback(db.client, migrations, { appliedBy: executionId, executionId, log, versionedSchema });
  return { migrations, log, steps };
}
