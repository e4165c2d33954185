/**
 * `npm run bench`: runs every `bench/*.bench.ts` (each default-exports an async function returning a
 * markdown section), side by side in this one process, and writes docs/benchmarks.md.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';

const only = process.argv.slice(2);
const dir = new URL('.', import.meta.url).pathname;
const files = (await readdir(dir))
  .filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
const sections: string[] = [];
for (const file of files) {
  process.stderr.write(`running bench/${file}\n`);
  const module = (await import(join(dir, file))) as { default: () => Promise<string> };
  sections.push(await module.default());
}
const header = [
  '# Benchmarks',
  '',
  `Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}).`,
  'Each section compares zerodown with its baselines side by side in the same process; ratios, not absolute times, are the result.',
  '',
].join('\n');
if (only.length === 0)
  await writeFile(new URL('../docs/benchmarks.md', import.meta.url), `${header}\n${sections.join('\n\n')}\n`);
else process.stdout.write(`${sections.join('\n\n')}\n`);
