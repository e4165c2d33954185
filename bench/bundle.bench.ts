/**
 * The Lambda bundles: each task's handler as the construct builds it (infra/bundle.ts: minified, the
 * AWS SDK left to the runtime, jiti aliased out), side by side with the baseline it replaced (the same
 * entry bundled as NodejsFunction did: not minified, jiti in). Reported: the handler's size, its source
 * map's when asked for, and the cold import of the handler in a fresh Node process, paired with a fresh
 * process that imports nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { bundleTask, handlerBuildOptions } from '../infra/bundle.ts';
import { TASK_NAMES } from '../lambdas/task-handlers.ts';
import { defineBench, median } from './harness.ts';

const require = createRequire(import.meta.url);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} kB`;

/** Wall time of `node -e <script>` in a fresh process, ms. */
function processMs(script: string, cwd: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, stdio: 'pipe' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`bench: ${script} failed: ${result.stderr}`);
  return ms;
}

export default defineBench({
  name: 'bundle',
  async run(context) {
    const RUNS = context.sized({ full: 7, quick: 3, tiny: 1 });
    const tasks = context.size === 'tiny' ? TASK_NAMES.slice(0, 1) : TASK_NAMES;
    const figures: {
      task: string;
      bytes: number;
      baselineBytes: number;
      sourceMapBytes: number;
      coldImportMs: number;
    }[] = [];
    // inside node_modules: the handler finds the AWS SDK there, as Lambda's runtime provides it
    mkdirSync(resolve('node_modules/.cache'), { recursive: true });
    const root = mkdtempSync(resolve('node_modules/.cache/zerodown-bundle-bench-'));
    const esbuild = require('esbuild') as typeof import('esbuild');
    const rows: string[] = [];
    let largest = 0;
    let slowest = 0;
    try {
      for (const task of tasks) {
        const out = join(root, task);
        mkdirSync(out);
        bundleTask({ task, migrationsDir: resolve('migrations'), outputDir: out });
        const mapped = join(root, `${task}-mapped`);
        mkdirSync(mapped);
        bundleTask({ task, migrationsDir: resolve('migrations'), outputDir: mapped, sourceMap: true });
        const before = join(root, `${task}-baseline.mjs`);
        const options = handlerBuildOptions(task, before, true);
        await esbuild.build({ ...options, minify: false, alias: undefined, sourcesContent: true });
        const size = statSync(join(out, 'index.mjs')).size;
        const baseline = statSync(before).size;
        const map = statSync(join(mapped, 'index.mjs.map')).size;
        const baselineMap = statSync(`${before}.map`).size;
        const handler = JSON.stringify(join(out, 'index.mjs'));
        const imports: number[] = [];
        const empties: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          // paired and alternating: the difference is the import, not the machine's mood
          empties.push(processMs('0', out));
          imports.push(processMs(`await import(${handler});`, out));
        }
        const importMs = median(imports) - median(empties);
        largest = Math.max(largest, size);
        slowest = Math.max(slowest, importMs);
        figures.push({
          task,
          bytes: size,
          baselineBytes: baseline,
          sourceMapBytes: map,
          coldImportMs: Math.round(importMs),
        });
        rows.push(
          `| ${task} | ${kb(size)} | ${kb(baseline)} | ${(size / baseline).toFixed(2)}x | ${kb(map)} (baseline ${kb(baselineMap)}) | ${importMs.toFixed(0)} ms | ${median(imports).toFixed(0)} / ${median(empties).toFixed(0)} ms |`,
        );
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    return {
      markdown: [
        '## Lambda bundles: size and cold import per task',
        '',
        `Each handler built as the construct builds it, against the baseline bundle of the same entry as \`NodejsFunction\` built it before (not minified, jiti bundled, source map always). Cold import: median of ${RUNS} fresh \`node -e "await import(handler)"\` processes minus the median of ${RUNS} fresh \`node -e 0\` processes run alternately with them (the AWS SDK comes from node_modules, as the Lambda runtime provides it).`,
        '',
        '| task | handler | baseline | ratio | source map (only with `sourceMaps: true`) | cold import | import / empty process |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...rows,
        '',
        `Goals: at most 1 MB per handler (largest: ${kb(largest)}, ${largest <= 1_000_000 ? 'met' : '**not met**'}); cold import under 150 ms (slowest: ${slowest.toFixed(0)} ms, ${slowest < 150 ? 'met' : '**not met**'}).`,
      ].join('\n'),
      figures: {
        runs: RUNS,
        tasks: figures,
        largestBytes: largest,
        slowestImportMs: Math.round(slowest),
        goals: { bytesAtMost: 1_000_000, importUnderMs: 150 },
      },
    };
  },
});
