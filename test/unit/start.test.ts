import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEventType,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { executionPosition, waitForGateOrEnd } from '../../cli/aws/executions.ts';
import { main } from '../../cli/main.ts';

const sfn = mockClient(SFNClient);
const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Orchestrator';
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:Orchestrator:v42-1';

beforeEach(() => {
  sfn.reset();
  vi.restoreAllMocks();
});

function history(...events: Array<[number, string, string]>) {
  return {
    events: events.map(([id, type, name]) => ({
      id,
      type: type as HistoryEventType,
      timestamp: new Date(),
      ...(type.endsWith('StateEntered')
        ? { stateEnteredEventDetails: { name } }
        : { stateExitedEventDetails: { name } }),
    })),
  };
}

describe('zerodown start', () => {
  it('starts an execution with the documented input and prints its ARN', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // Act
    const code = await main([
      'node',
      'zerodown',
      'start',
      '--state-machine-arn',
      arn,
      '--release',
      'v42',
      '--gate-after-expand',
      '--if-locked',
      'skip',
    ]);
    // Assess
    expect(code).toBe(0);
    const call = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call.stateMachineArn).toBe(arn);
    expect(call.name).toMatch(/^v42-\d{14}$/);
    expect(JSON.parse(call.input!)).toEqual({
      release: 'v42',
      phases: ['expand', 'backfill', 'contract'],
      gates: { afterExpand: true, beforeContract: true },
      onGateReject: 'keep',
      ifLocked: 'skip',
      dryRun: false,
      contract: [],
      outOfOrder: false,
    });
    expect(stdout).toHaveBeenCalledWith(`${executionArn}\n`);
  });

  it('refuses an input the workflow would refuse, before starting anything', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['node', 'zerodown', 'start', '--state-machine-arn', arn, '--release', 'v 42!']);
    expect(code).toBe(2);
    expect(stderr.mock.calls.join('')).toMatch(
      /invalid workflow input: release: release may contain letters/,
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('is a usage error without a state machine', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const saved = process.env.ZERODOWN_STATE_MACHINE_ARN;
    delete process.env.ZERODOWN_STATE_MACHINE_ARN;
    expect(await main(['node', 'zerodown', 'start', '--release', 'v1'])).toBe(2);
    if (saved !== undefined) process.env.ZERODOWN_STATE_MACHINE_ARN = saved;
  });

  it('--wait exits 1 with the error when the execution fails', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'LockHeld',
      cause: 'held by v41',
      startDate: new Date(),
      stateMachineArn: arn,
      executionArn,
    });
    sfn.on(GetExecutionHistoryCommand).resolves(history([3, 'TaskStateEntered', 'AcquireLock']));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await main([
      'node',
      'zerodown',
      'start',
      '--state-machine-arn',
      arn,
      '--release',
      'v42',
      '--wait',
      '--format',
      'json',
    ]);
    expect(code).toBe(1);
    expect(stderr.mock.calls.join('')).toMatch(/execution FAILED: LockHeld — held by v41/);
    expect(JSON.parse(String(stdout.mock.calls[0]![0]))).toMatchObject({
      status: 'FAILED',
      error: 'LockHeld',
      state: 'AcquireLock',
    });
  });
});

describe('where an execution is', () => {
  it('waits at a gate when the newest entered state is a gate it has not left', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'RUNNING', startDate: new Date(), stateMachineArn: arn, executionArn });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolves(
        history(
          [12, 'TaskStateEntered', 'GateBeforeContract'],
          [11, 'TaskStateExited', 'FinishBackfills'],
          [9, 'TaskStateEntered', 'FinishBackfills'],
        ),
      );
    expect(await executionPosition(new SFNClient({}), executionArn)).toEqual({
      executionArn,
      status: 'WAITING_AT_GATE',
      gate: 'GateBeforeContract',
      state: 'GateBeforeContract',
    });
    // and the history is read without execution data (no task token, no input)
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]!.args[0].input.includeExecutionData).toBe(false);
  });

  it('keeps polling while the execution runs outside a gate', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', startDate: new Date(), stateMachineArn: arn, executionArn })
      .resolves({ status: 'SUCCEEDED', startDate: new Date(), stateMachineArn: arn, executionArn });
    sfn.on(GetExecutionHistoryCommand).resolves(history([5, 'TaskStateEntered', 'Expand']));
    const seen: string[] = [];
    const end = await waitForGateOrEnd(new SFNClient({}), executionArn, {
      intervalMs: 1,
      timeoutMs: 10_000,
      onPoll: (p) => seen.push(p.status),
    });
    expect(seen).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(end.status).toBe('SUCCEEDED');
  });
});
