#!/usr/bin/env node
/**
 * Bundles the CLI (cli/main.ts and everything it imports) with esbuild into dist/cli-bundle/, which
 * bin/zerodown.mjs runs; `npm run build` runs it after tsc. Start-up is the reason: Node loads the
 * ~110 modules of `zerodown lint` one by one (resolve, read, compile each), a bundle's few chunks
 * faster. ESM with code splitting, so each command's dynamic `import()` stays a chunk of its own that
 * loads only when the command runs. The typed library (dist/index.js, dist/cdk.js) stays tsc's output.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = 'dist/cli-bundle';

/** Packages that stay real packages at run time, with the reason each cannot be bundled. */
const EXTERNAL = [
  // optional peer dependencies: the team's own versions, loaded only to synthesize a CDK app
  'aws-cdk-lib',
  'aws-cdk-lib/*',
  'constructs',
  // compiles TypeScript migrations, loading its transform from its own files when first needed
  'jiti',
  // a native binary per platform (infra/bundle.ts requires it; the CLI synthesizes without bundling)
  'esbuild',
  // pg's optional native binding, never installed
  'pg-native',
  // dependencies of the package that only the AWS-facing commands (start, gate, run --local) load: the
  // package installs them anyway, so bundling them would ship each twice (about 1.5 MB packed)
  '@aws-sdk/*',
  '@smithy/*',
  '@aws-lambda-powertools/*',
  'aws-local-stepfunctions',
];

// stale chunks of an earlier build would ship in the package: their names are content hashes
rmSync(new URL(`../${OUT_DIR}`, import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'cli/main.ts' },
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  external: EXTERNAL,
  // the maps name the sources (stack traces show only with ZERODOWN_DEBUG); without their text they stay small
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (pg, cli-progress) call require(), which ESM does not define; the parser's
  // loader reads its WASM from __dirname, here the bundle's directory (under other names: bundled ESM
  // packages may declare a __dirname of their own)
  define: { __dirname: 'zdDirname', __filename: 'zdFilename' },
  banner: {
    js: [
      "import { createRequire as zdCreateRequire } from 'node:module';",
      "import { dirname as zdPathDirname } from 'node:path';",
      "import { fileURLToPath as zdFileURLToPath } from 'node:url';",
      'const require = zdCreateRequire(import.meta.url);',
      'const zdFilename = zdFileURLToPath(import.meta.url);',
      'const zdDirname = zdPathDirname(zdFilename);',
    ].join(' '),
  },
});

// the parser's WASM next to the chunk that loads it, from the same libpg-query as the bundled JavaScript
const libpgQuery = dirname(createRequire(import.meta.url).resolve('libpg-query/package.json'));
copyFileSync(join(libpgQuery, 'wasm', 'libpg-query.wasm'), join(ROOT, OUT_DIR, 'libpg-query.wasm'));
