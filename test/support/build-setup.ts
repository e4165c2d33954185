import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Compiles the package into dist/ once before any test file runs: the CLI the tests start
 * (`bin/zerodown.mjs`) runs the compiled JavaScript, which must be the sources under test, never an
 * older build. tsc is incremental (dist/.tsbuildinfo): with nothing changed it takes about two seconds.
 */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: 'inherit',
  });
}
