import { InvalidInput } from '../../core/errors.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { FleetTarget } from '../../lambdas/fleet-events.ts';
import { requestExit } from '../exit.ts';
import { loadFleetFile } from '../fleet/fleet-file.ts';
import { type ConnectTarget, formatFleetStatus, readFleetStatus } from '../fleet/fleet-status.ts';
import { type FleetRunOptions, localSettingsOf, type RunOptions } from '../local-run-options.ts';
import { formatEvent, type LocalRunEvent } from '../local-runner/events.ts';
import { stderrLog } from '../output.ts';

export type { FleetRunOptions } from '../local-run-options.ts';

/** The options of `zerodown fleet status`. */
export interface FleetStatusOptions {
  fleet: string;
  format: 'text' | 'json' | 'markdown';
  verbose?: boolean;
}

/** Reaches a target by its URL, or by its secret (a deployed fleet's targets, with AWS credentials). */
async function connectorFor(targets: readonly FleetTarget[]): Promise<ConnectTarget> {
  const bySecret = targets.some((target) => target.secretArn);
  const deps = bySecret
    ? (await import('../../lambdas/aws/deps.ts')).awsTaskDeps(process.env, stderrLog())
    : undefined;
  return async (target) =>
    target.databaseUrl ? { connection: target.databaseUrl } : await deps!.connection({ target });
}

/**
 * `zerodown fleet status --fleet fleet.json`: every target's version, last rollout (status, release,
 * gate, duration, error), read from the targets themselves; text, json, or a markdown table.
 */
export async function runFleetStatus(options: FleetStatusOptions): Promise<void> {
  const targets = await loadFleetFile(options.fleet);
  const lines = await readFleetStatus(targets, await connectorFor(targets));
  if (options.format === 'json') process.stdout.write(`${JSON.stringify({ targets: lines })}\n`);
  else process.stdout.write(formatFleetStatus(lines, options.format));
  if (lines.some((line) => line.unreachable || line.rollout?.status === 'failed')) requestExit(1);
}

/** The fleet execution input of a local fleet run, from the command line (`--input` merged last). */
export function fleetInputOf(options: RunOptions & FleetRunOptions): {
  release: string;
  [field: string]: unknown;
} {
  const refused = [
    options.gateAfterExpand && '--gate-after-expand (a fleet has one gate, before contract)',
    options.dryRun && '--dry-run',
    options.contract && '--contract',
    options.ifLocked === 'skip' && '--if-locked skip',
    options.history && '--history (the fleet state carries the targets and their URLs)',
  ].filter(Boolean);
  if (refused.length > 0) throw new InvalidInput(`--fleet does not take ${refused.join(', ')}`);
  return {
    release: options.release,
    phases: options.phases,
    gates: { beforeContract: options.gateBeforeContract },
    onGateReject: options.onGateReject,
    outOfOrder: options.outOfOrder ?? false,
    ...(options.allowLintErrors ? { allowLintErrors: options.allowLintErrors } : {}),
    ...(options.canary !== undefined ? { canary: options.canary } : {}),
    ...(options.waveSize !== undefined ? { waveSize: options.waveSize } : {}),
    ...(options.toleratedFailurePercentage !== undefined
      ? { toleratedFailurePercentage: options.toleratedFailurePercentage }
      : {}),
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
    ...options.input,
  };
}

/**
 * Runs the fleet's synthesized state machine locally over `targets` (the file's, or the failed ones
 * for a retry), printing its events; exit 1 when the rollout failed.
 */
export async function runFleetLocal(
  options: RunOptions & FleetRunOptions,
  targets: readonly FleetTarget[],
): Promise<void> {
  const log = stderrLog({ verbose: options.verbose });
  await loadMigrations(options.migrations);
  const print = (event: LocalRunEvent) => {
    if (options.format === 'json') process.stdout.write(`${JSON.stringify(event)}\n`);
    else {
      const line = formatEvent(event);
      if (line) process.stdout.write(`${line}\n`);
    }
  };
  const synthStarted = Date.now();
  const { resolveUserApp } = await import('../local-runner/user-app.ts');
  const userApp = await resolveUserApp({
    app: options.app,
    template: options.template,
    stateMachine: options.stateMachine,
  });
  const { runFleetLocally, synthesizeExampleFleetTemplate } = await import('../local-runner/run-fleet.ts');
  const template = userApp?.template ?? (await synthesizeExampleFleetTemplate(options.migrations));
  log.info(
    `synthesized ${userApp ? userApp.description : "zerodown's example fleet app (infra/fleet-app.ts): no --app, --template or ./cdk.json"}`,
  );
  const result = await runFleetLocally({
    template,
    stateMachine: userApp?.stateMachine,
    synthesisMs: Date.now() - synthStarted,
    migrationsDir: options.migrations,
    targets,
    input: fleetInputOf(options),
    maxConcurrency: options.maxConcurrency,
    approveGates: options.approveGates,
    gateTimeoutSeconds: options.gateTimeout ? Math.max(1, Math.round(options.gateTimeout / 1000)) : undefined,
    settings: localSettingsOf(options),
    log,
    onEvent: print,
  });
  log.info(
    `fleet rollout of ${targets.length} targets ${result.status}${result.error ? ` (${result.error})` : ''}; see "zerodown fleet status --fleet <file>"`,
  );
  if (result.status === 'failed') requestExit(1);
}

/**
 * `zerodown fleet retry --failed --fleet fleet.json`: runs the rollout again, locally, over only the
 * targets whose last rollout failed (their release, unless `--release` says otherwise).
 */
export async function runFleetRetry(
  options: RunOptions & FleetRunOptions & { failed?: boolean; releaseGiven?: boolean },
): Promise<void> {
  if (!options.failed) throw new InvalidInput('fleet retry re-runs the failed targets: give --failed');
  const all = await loadFleetFile(options.fleet!);
  const lines = await readFleetStatus(all, await connectorFor(all));
  const failed = all.filter((_, i) => lines[i]!.rollout?.status === 'failed');
  const log = stderrLog({ verbose: options.verbose });
  if (failed.length === 0) {
    log.info(`no target of ${options.fleet} failed its last rollout: nothing to retry`);
    return;
  }
  const releases = [...new Set(failed.map((t) => lines[all.indexOf(t)]!.rollout!.release))];
  if (!options.releaseGiven && releases.length > 1) {
    throw new InvalidInput(
      `the failed targets failed different releases (${releases.join(', ')}): name the one to retry with --release`,
    );
  }
  const release = options.releaseGiven ? options.release : releases[0]!;
  log.info(
    `retrying ${failed.length} failed targets (${failed.map((t) => t.name).join(', ')}) with release ${release}`,
  );
  await runFleetLocal({ ...options, release }, failed);
}
