import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { CONFIG_FILE } from '../core/lint/config.ts';
import { PRECOMPILED_DIR } from '../core/migrations/precompiled.ts';
import type { AnyTaskName as TaskName } from '../lambdas/task-handlers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** `.ts` when the construct runs from the repository's sources, `.js` when it runs from the package's dist/. */
const sourceExtension = extname(fileURLToPath(import.meta.url));

/** The entry file of a task: `lambdas/<kebab-case task>.ts` (`.js` in the installed package). */
export function taskEntry(task: TaskName): string {
  return join(
    here,
    '..',
    'lambdas',
    `${task.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}${sourceExtension}`,
  );
}

const MODULE_MIGRATION = /\.(js|cjs|mjs|ts|cts|mts)$/;

/**
 * esbuild options of a task's handler: ESM for Node.js 22, minified, the AWS SDK v3 left to the
 * Lambda runtime (which provides it: the tasks call only long-standing Secrets Manager, Step Functions
 * and SNS operations), and a banner that gives CommonJS dependencies (pg) `require` and the parser's
 * WASM loader `__dirname`.
 */
export function handlerBuildOptions(task: TaskName, outfile: string, sourceMap: boolean): BuildOptions {
  return {
    entryPoints: [taskEntry(task)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: sourceMap,
    sourcesContent: false,
    external: ['@aws-sdk/*'],
    // every module migration is compiled at synth: the loader's jiti fallback (190 kB) stays out
    alias: { jiti: join(here, `no-jiti${sourceExtension}`) },
    logLevel: 'warning',
    legalComments: 'none',
    banner: {
      js: [
        "import { createRequire as zdCreateRequire } from 'node:module';",
        "import { fileURLToPath as zdFileURLToPath } from 'node:url';",
        "import { dirname as zdDirname } from 'node:path';",
        'const require = zdCreateRequire(import.meta.url);',
        'const __filename = zdFileURLToPath(import.meta.url);',
        'const __dirname = zdDirname(__filename);',
      ].join(' '),
    },
  };
}

/** What goes into one task's bundle. */
export interface BundleRequest {
  readonly task: TaskName;
  /** Absolute path of the migrations directory. */
  readonly migrationsDir: string;
  /** The (empty) directory the asset is written to. */
  readonly outputDir: string;
  /** Write `index.mjs.map` next to the handler. @default false */
  readonly sourceMap?: boolean;
}

/**
 * Builds one task's Lambda asset with esbuild, synchronously (CDK's local bundling): `index.mjs`, the
 * migrations directory copied as it is (so checksums match the repository), every module migration
 * (`.ts`, `.js`) compiled to `migrations/.compiled/<file>.mjs` (the bundle has no TypeScript compiler),
 * the PostgreSQL parser's WASM next to the handler (it is read from the working directory, /var/task),
 * and `zerodown.config.json` (lint settings) when the migrations directory's parent has one.
 *
 * @example
 * bundleTask({ task: 'plan', migrationsDir: '/app/migrations', outputDir: '/tmp/asset' });
 */
export function bundleTask(request: BundleRequest): void {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const { outputDir, migrationsDir } = request;
  esbuild.buildSync(
    handlerBuildOptions(request.task, join(outputDir, 'index.mjs'), request.sourceMap ?? false),
  );
  const target = join(outputDir, 'migrations');
  mkdirSync(join(target, PRECOMPILED_DIR), { recursive: true });
  cpSync(migrationsDir, target, { recursive: true });
  const wasm = join(dirname(require.resolve('libpg-query/package.json')), 'wasm', 'libpg-query.wasm');
  copyFileSync(wasm, join(outputDir, 'libpg-query.wasm'));
  for (const file of readdirSync(migrationsDir).filter(
    (f) => MODULE_MIGRATION.test(f) && !f.endsWith('.d.ts'),
  )) {
    esbuild.buildSync({
      entryPoints: [join(migrationsDir, file)],
      outfile: join(target, PRECOMPILED_DIR, `${file}.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'warning',
    });
  }
  const config = join(dirname(migrationsDir), CONFIG_FILE);
  if (existsSync(config)) copyFileSync(config, join(outputDir, CONFIG_FILE));
}
