/** What the loader needs of jiti (infra/no-jiti.ts stands in for it in a task's bundle). */
interface ModuleImporter {
  import(path: string): Promise<unknown>;
}

let jiti: Promise<ModuleImporter> | undefined;

/**
 * Imports a `.js`/`.ts` migration module through jiti, loaded the first time a directory has one:
 * commands that meet only SQL files never load it (nor its TypeScript transform).
 *
 * @example
 * const module = await importThroughJiti('/abs/migrations/1_add.ts');
 */
export async function importThroughJiti(path: string): Promise<unknown> {
  jiti ??= import('jiti').then(({ createJiti }) =>
    createJiti(import.meta.url, { interopDefault: true, moduleCache: false }),
  );
  return (await jiti).import(path);
}
