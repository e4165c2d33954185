import { SFNClient } from '@aws-sdk/client-sfn';
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
import { stderrLog } from '../output.ts';
import { type WorkflowInputOptions, workflowInputOf } from '../workflow-input-options.ts';

/** The options of `zerodown start` (cli/commands/start.ts). */
export interface StartOptions extends WorkflowInputOptions {
  stateMachineArn?: string;
  wait?: boolean;
  waitTimeout: number;
  pollInterval: number;
  format: 'text' | 'json';
  region?: string;
}

/**
 * Builds the workflow input a CI pipeline sends, validated here with the same schema the Plan state
 * applies, so a bad input is a usage error before anything starts.
 */
export function workflowInput(options: StartOptions): WorkflowStartInput {
  return parseWorkflowInput(workflowInputOf(options));
}

/** Starts an execution of the deployed state machine and, with --wait, follows it to its gate or end. */
export async function runStart(options: StartOptions): Promise<void> {
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
          log.info(`${formatDuration(Date.now() - started)}: ${p.status}${p.state ? ` in ${p.state}` : ''}`);
        last = now;
      },
    });
    if (position.status === 'WAITING_AT_GATE') {
      log.info(
        `waiting at gate ${position.gate}: deploy, then run "zerodown gate approve --release ${options.release}" (from a runner without database access, with --gate-function or ZERODOWN_GATE_FUNCTION set to the stack output GateFunctionName)`,
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
}
