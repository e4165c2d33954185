/**
 * A `zerodown run --local` process for the fault matrix (test/faults/): runs the synthesized state
 * machine with the real task handlers, exactly as `zerodown run --local` does (runReleaseLocally),
 * prints every event as a JSON line, and, when asked, kills itself with SIGKILL at a precise point —
 * the moment the runner reports it, before the next task starts:
 *
 *   node --import tsx test/support/run-worker.ts <request.json> [<point>]
 *
 * `request.json` holds `{ databaseUrl, migrationsDir, templateFile, input, approveGates, settings }`.
 * Points: `entered:<State>` (the nth entry with `entered:<State>#<n>`), `gate-waiting:<gate>`,
 * `gate-decided`, `backfill-midway` (a progress report with rows done and the partition not finished).
 */
import { readFileSync } from 'node:fs';
import type { LocalRunEvent } from '../../cli/local-runner/events.ts';
import { runReleaseLocally } from '../../cli/local-runner/run-release.ts';
import { silentLog } from '../../core/log.ts';

const [requestFile, point] = process.argv.slice(2);
const request = JSON.parse(readFileSync(requestFile!, 'utf8'));
const template = JSON.parse(readFileSync(request.templateFile, 'utf8'));
const [pointName, nthText] = (point ?? '').split('#');
const nth = Number(nthText ?? 1);
let seen = 0;

function reached(event: LocalRunEvent): boolean {
  const matches =
    (event.type === 'state-entered' && pointName === `entered:${event.state}`) ||
    (event.type === 'gate-waiting' && pointName === `gate-waiting:${event.gate}`) ||
    (event.type === 'gate-decided' && pointName === 'gate-decided') ||
    (event.type === 'backfill-progress' &&
      pointName === 'backfill-midway' &&
      event.rowsDone > 0 &&
      !event.done);
  return matches && ++seen === nth;
}

const result = await runReleaseLocally({
  connection: { connection: request.databaseUrl },
  migrationsDir: request.migrationsDir,
  input: request.input,
  approveGates: request.approveGates,
  gatePollMs: 50,
  settings: request.settings,
  template,
  log: silentLog,
  onEvent: (event) => {
    process.stdout.write(`${JSON.stringify(event)}\n`);
    if (point && reached(event)) process.kill(process.pid, 'SIGKILL');
  },
});
process.exitCode = result.status === 'succeeded' ? 0 : 1;
