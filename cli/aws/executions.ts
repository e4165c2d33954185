import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { WorkflowInput } from '../../lambdas/input.ts';

/** Where an execution is: still running (maybe waiting at a gate), or ended. */
export interface ExecutionPosition {
  readonly executionArn: string;
  readonly status: ExecutionStatus | 'WAITING_AT_GATE';
  /** The gate state it waits at, when it does. */
  readonly gate?: string;
  /** The state it is in (running) or failed in. */
  readonly state?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** The workflow input a person, CI or the schedule sends (validated again by the Plan state). */
export type WorkflowStartInput = WorkflowInput;

/** Execution names allow letters, digits, - and _ (80 at most): derived from the release. */
export function executionName(release: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `${release.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60)}-${stamp}`;
}

/**
 * Starts an execution of the orchestrator's state machine for a release.
 *
 * @example
 * const arn = await startExecution(new SFNClient({}), stateMachineArn, { release: 'v42' });
 */
export async function startExecution(
  client: SFNClient,
  stateMachineArn: string,
  input: WorkflowStartInput,
): Promise<string> {
  const result = await client.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: executionName(input.release),
      input: JSON.stringify(input),
    }),
  );
  if (!result.executionArn) throw new Error(`StartExecution of ${stateMachineArn} returned no execution ARN`);
  return result.executionArn;
}

/**
 * Where an execution is now. A running execution whose newest entered state is a gate (a state whose
 * name starts with `Gate`) that it has not left is `WAITING_AT_GATE`. Reads the history without
 * execution data, so no input, output or task token is fetched.
 */
export async function executionPosition(client: SFNClient, executionArn: string): Promise<ExecutionPosition> {
  const described = await client.send(new DescribeExecutionCommand({ executionArn }));
  const status = described.status ?? 'RUNNING';
  const history = await client.send(
    new GetExecutionHistoryCommand({
      executionArn,
      reverseOrder: true,
      maxResults: 50,
      includeExecutionData: false,
    }),
  );
  const events = history.events ?? [];
  const entered = events.find((e) => e.type?.endsWith('StateEntered'));
  const state = entered?.stateEnteredEventDetails?.name;
  if (status !== 'RUNNING') {
    return { executionArn, status, state, error: described.error, cause: described.cause };
  }
  const left = events.find((e) => e.type?.endsWith('StateExited'));
  const waiting = state?.startsWith('Gate') && (!left || (left.id ?? 0) < (entered?.id ?? 0));
  return waiting
    ? { executionArn, status: 'WAITING_AT_GATE', gate: state, state }
    : { executionArn, status, state };
}

/**
 * Polls until the execution waits at a gate or ends.
 *
 * @example
 * const position = await waitForGateOrEnd(client, arn, { intervalMs: 5000, timeoutMs: 3_600_000 });
 */
export async function waitForGateOrEnd(
  client: SFNClient,
  executionArn: string,
  options: { intervalMs: number; timeoutMs: number; onPoll?: (p: ExecutionPosition) => void },
): Promise<ExecutionPosition> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const position = await executionPosition(client, executionArn);
    options.onPoll?.(position);
    if (position.status !== 'RUNNING' || Date.now() >= deadline) return position;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
