import { SFNClient } from '@aws-sdk/client-sfn';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { formatDuration } from '../../core/duration.ts';
import { InvalidInput } from '../../core/errors.ts';
import { parseWorkflowInput } from '../../lambdas/input.ts';
import {
  type ExecutionPosition,
  startExecution,
  type WorkflowStartInput,
  waitForGateOrEnd,
} from '../aws/executions.ts';
import { requestExit } from '../exit.ts';
import { durationArgument } from '../options.ts';
import { stderrLog } from '../output.ts';

interface StartOptions {
  stateMachineArn?: string;
  release: string;
  phases: string[];
  gateAfterExpand: boolean;
  gateBeforeContract: boolean;
  onGateReject: 'keep' | 'rollback';
  dryRun?: boolean;
  contract?: string[];
  allowLintErrors?: string;
  wait?: boolean;
  waitTimeout: number;
  pollInterval: number;
  format: 'text' | 'json';
  region?: string;
}

function phaseList(value: string): string[] {
  const phases = value.split(',').map((p) => p.trim());
  const unknown = phases.filter((p) => !['expand', 'backfill', 'contract'].includes(p));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown phase ${unknown.join(', ')}: use expand, backfill, contract`);
  return phases;
}

/**
 * Builds the workflow input a CI pipeline sends, validated here with the same schema the Plan state
 * applies, so a bad input is a usage error before anything starts.
 */
export function workflowInput(options: StartOptions): WorkflowStartInput {
  return parseWorkflowInput({
    release: options.release,
    phases: options.phases,
    gates: { afterExpand: options.gateAfterExpand, beforeContract: options.gateBeforeContract },
    onGateReject: options.onGateReject,
    dryRun: options.dryRun ?? false,
    ...(options.contract?.length ? { contract: options.contract } : {}),
    ...(options.allowLintErrors !== undefined ? { allowLintErrors: options.allowLintErrors } : {}),
  });
}

/** `zerodown start`: starts the deployed workflow for a release (CI/CD), optionally waiting for its gate or end. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start the deployed migration workflow for a release (AWS Step Functions)')
    .addOption(
      new Option('--state-machine-arn <arn>', 'the orchestrator state machine').env(
        'ZERODOWN_STATE_MACHINE_ARN',
      ),
    )
    .requiredOption('--release <name>', 'release name, e.g. the app version being deployed')
    .option('--phases <list>', 'comma-separated phases to run', phaseList, ['expand', 'backfill', 'contract'])
    .option('--gate-after-expand', 'wait at a gate after expand', false)
    .option('--no-gate-before-contract', 'do not wait at the gate before contract')
    .addOption(
      new Option('--on-gate-reject <what>', 'keep the expand or roll it back')
        .choices(['keep', 'rollback'])
        .default('keep'),
    )
    .option('--dry-run', 'plan and lint only; apply nothing')
    .option(
      '--contract <list>',
      'contract migrations named by hand (versions or files), comma-separated',
      (v: string) => v.split(',').map((x) => x.trim()),
    )
    .option('--allow-lint-errors <reason>', 'take responsibility for lint errors (the reason is recorded)')
    .option('--wait', 'wait until the execution waits at a gate or ends; exit 1 if it fails')
    .option(
      '--wait-timeout <duration>',
      'how long --wait waits',
      durationArgument('--wait-timeout'),
      3_600_000,
    )
    .option(
      '--poll-interval <duration>',
      'how often --wait polls',
      durationArgument('--poll-interval'),
      5_000,
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--region <region>', 'AWS region (default: the SDK configuration)')
    .action(async (options: StartOptions) => {
      if (!options.stateMachineArn) {
        throw new InvalidInput(
          'no state machine: pass --state-machine-arn or set ZERODOWN_STATE_MACHINE_ARN (a stack output)',
        );
      }
      const log = stderrLog();
      const client = new SFNClient(options.region ? { region: options.region } : {});
      const executionArn = await startExecution(client, options.stateMachineArn, workflowInput(options));
      log.info(`started ${executionArn}`);
      let position: ExecutionPosition = { executionArn, status: 'RUNNING' };
      if (options.wait) {
        const started = Date.now();
        let last = '';
        position = await waitForGateOrEnd(client, executionArn, {
          intervalMs: options.pollInterval,
          timeoutMs: options.waitTimeout,
          onPoll: (p) => {
            const now = `${p.status} ${p.state ?? ''}`;
            if (now !== last)
              log.info(
                `${formatDuration(Date.now() - started)}: ${p.status}${p.state ? ` in ${p.state}` : ''}`,
              );
            last = now;
          },
        });
        if (position.status === 'WAITING_AT_GATE') {
          log.info(
            `waiting at gate ${position.gate}: deploy, then run "zerodown gate approve --release ${options.release}"`,
          );
        } else if (position.status === 'RUNNING') {
          log.error(`still running after --wait-timeout ${formatDuration(options.waitTimeout)}`);
          requestExit(1);
        } else if (position.status !== 'SUCCEEDED') {
          log.error(
            `execution ${position.status}${position.error ? `: ${position.error}` : ''}${position.cause ? ` — ${position.cause}` : ''}`,
          );
          requestExit(1);
        }
      }
      if (options.format === 'json') process.stdout.write(`${JSON.stringify(position)}\n`);
      else process.stdout.write(`${executionArn}\n`);
    });
}
