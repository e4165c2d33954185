import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Builds the package once before any test file runs, as `npm run build` does: tsc compiles dist/, then
 * scripts/bundle-cli.mjs bundles the CLI into dist/cli-bundle/. The CLI the tests start
 * (`bin/zerodown.mjs`) runs that bundle, which must be the sources under test, never an older build.
 * tsc is incremental (dist/.tsbuildinfo): with nothing changed it takes about two seconds, the bundle
 * about one.
 */
export default function setup(): void {
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundle-cli.mjs'], { cwd, stdio: 'inherit' });
}
