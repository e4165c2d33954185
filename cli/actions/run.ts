import { closeSync, openSync, writeSync } from 'node:fs';
import { formatDuration } from '../../core/duration.ts';
import { InvalidInput } from '../../core/errors.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { parseWorkflowInput } from '../../lambdas/input.ts';
import { startEmbeddedPostgres } from '../embedded-postgres.ts';
import { requestExit } from '../exit.ts';
import { localSettingsOf, type RunOptions } from '../local-run-options.ts';
import { formatEvent, type LocalRunEvent } from '../local-runner/events.ts';
import type { LocalRunResult } from '../local-runner/execute-state-machine.ts';
import { runReleaseLocally, synthesizeExampleTemplate } from '../local-runner/run-release.ts';
import { resolveUserApp } from '../local-runner/user-app.ts';
import { checkDatabaseUrl } from '../options.ts';
import { stderrLog } from '../output.ts';
import { workflowInputOf } from '../workflow-input-options.ts';

export type { RunOptions } from '../local-run-options.ts';

/** The workflow input of a local run: the same document `zerodown start` sends to Step Functions. */
export function localWorkflowInput(options: RunOptions): { release: string; [field: string]: unknown } {
  return { ...workflowInputOf(options), ...options.input };
}

function printSummary(result: LocalRunResult): void {
  const lines = Object.entries(result.stateMs).map(
    ([state, ms]) => `  ${state.padEnd(20)} ${formatDuration(ms).padStart(8)}`,
  );
  process.stdout.write(
    `time per state:\n${lines.join('\n')}\n  ${'total'.padEnd(20)} ${formatDuration(result.ms).padStart(8)}\n`,
  );
}

/**
 * `zerodown run --local`: synthesizes the user's CDK app (`--template`, `--app`, `./cdk.json`, else the
 * example app), then runs its state machine on this machine, tasks in process, against `--database-url`
 * or a throwaway embedded PostgreSQL.
 */
export async function runLocal(options: RunOptions): Promise<void> {
  if (!options.local) {
    throw new InvalidInput(
      'only --local runs here; to run the deployed workflow use "zerodown start --wait"',
    );
  }
  const log = stderrLog({ verbose: options.verbose });
  const print = (event: LocalRunEvent) => {
    if (options.format === 'json') {
      process.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    const line = formatEvent(event);
    if (line) process.stdout.write(`${line}\n`);
  };
  // the input first, with the schema the Plan state applies: a misspelt field or a bad release is a
  // usage error now, as it is for `zerodown start`, not a failed execution after synthesizing the app
  parseWorkflowInput(localWorkflowInput(options));
  if (options.databaseUrl !== undefined) checkDatabaseUrl(options.databaseUrl);
  // the migrations and the app next: a wrong directory or a broken app fails before a database starts
  await loadMigrations(options.migrations);
  const synthStarted = Date.now();
  const userApp = await resolveUserApp({
    app: options.app,
    template: options.template,
    stateMachine: options.stateMachine,
  });
  if (!userApp && options.stateMachine !== undefined) {
    throw new InvalidInput(
      '--state-machine chooses among the state machines of your app: give --app or --template (or run where cdk.json is)',
    );
  }
  const template = userApp?.template ?? (await synthesizeExampleTemplate(options.migrations));
  log.info(
    `synthesized ${userApp ? userApp.description : "zerodown's example app (infra/app.ts): no --app, --template or ./cdk.json"}`,
  );
  let databaseUrl = options.databaseUrl;
  let display: string | undefined;
  const embedded = databaseUrl ? undefined : await startEmbeddedPostgres();
  if (embedded) {
    databaseUrl = embedded.url;
    // the throwaway server's own password: the approve command must work when pasted
    display = embedded.url;
    log.info(
      `no --database-url: started an embedded PostgreSQL at ${embedded.url} (gone when this run ends)`,
    );
  }
  // the history as JSON lines, written as it happens: what is there survives a crash of this process
  const history = options.history ? openSync(options.history, 'w') : undefined;
  try {
    const result = await runReleaseLocally({
      connection: { connection: databaseUrl! },
      databaseForDisplay: display,
      migrationsDir: options.migrations,
      input: localWorkflowInput(options),
      template,
      stateMachine: userApp?.stateMachine,
      synthesisMs: Date.now() - synthStarted,
      settings: localSettingsOf(options),
      approveGates: options.approveGates,
      gateTimeoutSeconds: options.gateTimeout
        ? Math.max(1, Math.round(options.gateTimeout / 1000))
        : undefined,
      log,
      onEvent: print,
      onHistory:
        history === undefined ? undefined : (entry) => writeSync(history, `${JSON.stringify(entry)}\n`),
    });
    if (options.format === 'text') printSummary(result);
    if (result.status === 'failed') requestExit(1);
  } finally {
    if (history !== undefined) closeSync(history);
    await embedded?.stop();
  }
}
