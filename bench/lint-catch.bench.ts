/**
 * How many dangerous migrations each linter catches and how many safe ones it flags, on the SQL files
 * of test/fixtures/lint-corpus (each says what it expects on its first line), side by side with
 * squawk from .bench-peers/. Not a speed figure: a catch rate. The corpus was written with zerodown's
 * rules at hand, so it is not held out; the figure says what each tool does on it, nothing more.
 * zerodown counts as catching a file when it reports an error; squawk, which has no phases and no
 * error level by default, when it reports anything.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lintPaths } from '../core/lint/index.ts';
import { defineBench, peerBinary } from './harness.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const CORPUS = join(ROOT, 'test/fixtures/lint-corpus');

interface Tally {
  caught: number;
  flaggedSafe: number;
}

// squawk's rules that ask the file to set timeouts: zerodown's runner sets them on every statement
const TIMEOUT_RULES = new Set([
  'require-timeout-settings',
  'require-lock-timeout',
  'require-statement-timeout',
]);

async function squawkReport(files: readonly string[]): Promise<{ file: string; rule_name: string }[]> {
  // squawk exits non-zero when it finds something; its JSON report is on stdout either way
  const run = await promisify(execFile)(peerBinary('squawk'), ['--reporter', 'json', ...files], {
    cwd: CORPUS,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string; message: string }) => {
    if (!error.stdout) throw new Error(`squawk failed without a report: ${error.message}`);
    return { stdout: error.stdout };
  });
  return JSON.parse(run.stdout) as { file: string; rule_name: string }[];
}

export default defineBench({
  name: 'lint-catch',
  async run() {
    const files = (await readdir(CORPUS)).filter((f) => f.endsWith('.sql')).sort();
    const dangerous = new Set<string>();
    for (const file of files) {
      const expect = /^-- expect: (.*)$/m.exec(await readFile(join(CORPUS, file), 'utf8'))?.[1]?.trim();
      if (expect && expect !== 'safe') dangerous.add(file);
    }
    const findings = await lintPaths([CORPUS], { cwd: CORPUS });
    const zerodownErrors = new Set(findings.filter((f) => f.severity === 'error').map((f) => f.file));
    const report = await squawkReport(files);
    const base = (file: string) => file.replace(/^.*\//, '');
    const squawk = new Set(report.map((v) => base(v.file)));
    const squawkNoTimeouts = new Set(
      report.filter((v) => !TIMEOUT_RULES.has(v.rule_name)).map((v) => base(v.file)),
    );
    const tally = (flagged: Set<string>): Tally => ({
      caught: files.filter((f) => dangerous.has(f) && flagged.has(f)).length,
      flaggedSafe: files.filter((f) => !dangerous.has(f) && flagged.has(f)).length,
    });
    const ours = tally(zerodownErrors);
    const theirs = tally(squawk);
    const theirsNoTimeouts = tally(squawkNoTimeouts);
    const safe = files.length - dangerous.size;
    const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(0)}%`;
    return {
      markdown: [
        '## Lint catch rate (the lint corpus, SQL files)',
        '',
        `${files.length} SQL migrations of test/fixtures/lint-corpus: ${dangerous.size} dangerous, ${safe} safe (each file's first line says which). The corpus was written alongside zerodown's rules, so it is not a held-out measurement.`,
        '',
        '| linter | dangerous caught | safe files flagged |',
        '|---|---|---|',
        `| zerodown (error level) | ${ours.caught} of ${dangerous.size} (${pct(ours.caught, dangerous.size)}) | ${ours.flaggedSafe} of ${safe} |`,
        `| squawk 2.66 (any finding) | ${theirs.caught} of ${dangerous.size} (${pct(theirs.caught, dangerous.size)}) | ${theirs.flaggedSafe} of ${safe} |`,
        `| squawk 2.66 (any finding but its timeout rules) | ${theirsNoTimeouts.caught} of ${dangerous.size} (${pct(theirsNoTimeouts.caught, dangerous.size)}) | ${theirsNoTimeouts.flaggedSafe} of ${safe} |`,
      ].join('\n'),
      figures: {
        files: files.length,
        dangerous: dangerous.size,
        safe,
        zerodown: ours,
        squawk: theirs,
        squawkWithoutTimeoutRules: theirsNoTimeouts,
      },
    };
  },
});
