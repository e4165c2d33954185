import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { findGate, openGate } from '../../core/gates/gates.ts';
import { ensureStateSchema } from '../../core/state/schema.ts';
import { useFreshDatabase } from '../support/database.ts';

// `zerodown gate approve|reject` end to end on a real database, Step Functions mocked.
const db = useFreshDatabase();
const sfn = mockClient(SFNClient);
const awsToken = 'AQCEAAAAKgAAAAMAAAAAAAAAAexample';

beforeAll(async () => {
  await ensureStateSchema(db.client);
});

beforeEach(() => {
  sfn.reset();
  vi.restoreAllMocks();
});

async function gate(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  const code = await main([
    'node',
    'zerodown',
    'gate',
    ...args,
    '--database-url',
    db.url,
    '--region',
    'eu-west-1',
  ]);
  vi.restoreAllMocks();
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('zerodown gate', () => {
  it('approve records the decision and sends SendTaskSuccess with the waiting token', async () => {
    // GIVEN an execution waiting at beforeContract
    await openGate(db.client, {
      release: 'g1',
      gate: 'beforeContract',
      executionId: 'exec-1',
      taskToken: awsToken,
    });
    sfn.on(SendTaskSuccessCommand).resolves({});
    // WHEN CI approves it
    const result = await gate('approve', '--release', 'g1', '--by', 'ci-bot', '--reason', 'v42 is live');
    // THEN the decision is recorded and the execution resumed
    expect(result).toMatchObject({
      code: 0,
      stdout: 'approved gate beforeContract of release g1: the execution was resumed\n',
    });
    expect(await findGate(db.client, 'g1', 'beforeContract')).toMatchObject({
      decision: 'approved',
      decidedBy: 'ci-bot',
      reason: 'v42 is live',
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.taskToken).toBe(awsToken);
  });

  it('reject sends SendTaskFailure GateRejected, json output', async () => {
    await openGate(db.client, {
      release: 'g2',
      gate: 'afterExpand',
      executionId: 'exec-2',
      taskToken: awsToken,
    });
    sfn.on(SendTaskFailureCommand).resolves({});
    const result = await gate(
      'reject',
      '--release',
      'g2',
      '--gate',
      'afterExpand',
      '--reason',
      'errors up',
      '--format',
      'json',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      release: 'g2',
      gate: 'afterExpand',
      decision: 'rejected',
      resumed: 'step-functions',
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toMatchObject({
      error: 'GateRejected',
      cause: expect.stringContaining('errors up'),
    });
  });

  it('undoes the decision when Step Functions refuses it, so the command can be run again', async () => {
    await openGate(db.client, {
      release: 'g3',
      gate: 'beforeContract',
      executionId: 'exec-3',
      taskToken: awsToken,
    });
    sfn
      .on(SendTaskSuccessCommand)
      .rejectsOnce(
        Object.assign(new Error('The security token included in the request is invalid'), {
          name: 'UnrecognizedClientException',
        }),
      )
      .resolves({});
    const first = await gate('approve', '--release', 'g3');
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('recorded nothing');
    expect((await findGate(db.client, 'g3', 'beforeContract'))?.decision).toBeNull();
    const second = await gate('approve', '--release', 'g3');
    expect(second.code).toBe(0);
    expect((await findGate(db.client, 'g3', 'beforeContract'))?.decision).toBe('approved');
  });

  it('says the gate is no longer waiting when its task timed out', async () => {
    await openGate(db.client, {
      release: 'g4',
      gate: 'beforeContract',
      executionId: 'exec-4',
      taskToken: awsToken,
    });
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    const result = await gate('approve', '--release', 'g4');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no longer waiting');
    expect((await findGate(db.client, 'g4', 'beforeContract'))?.decision).toBe('timed_out');
  });

  it('a local token needs no AWS call; a release with no open gate is a usage error', async () => {
    await openGate(db.client, {
      release: 'g5',
      gate: 'afterExpand',
      executionId: 'local-g5',
      taskToken: 'local:abc',
    });
    expect(await gate('approve', '--release', 'g5')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('local runner'),
    });
    expect(sfn.calls()).toHaveLength(0);
    const none = await gate('approve', '--release', 'nope');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no open gate for release nope');
  });

  it("heartbeat sends SendTaskHeartbeat with the open gate's token and records when", async () => {
    // GIVEN an execution waiting at a gate with HeartbeatSeconds
    await openGate(db.client, {
      release: 'g6',
      gate: 'beforeContract',
      executionId: 'exec-6',
      taskToken: awsToken,
    });
    sfn.on(SendTaskHeartbeatCommand).resolves({});
    // WHEN the deploy job says it is still going
    const result = await gate('heartbeat', '--release', 'g6');
    // THEN Step Functions gets the heartbeat, the gate stays open and the time is recorded
    expect(result).toMatchObject({
      code: 0,
      stdout: 'heartbeat sent to Step Functions for gate beforeContract of release g6\n',
    });
    expect(sfn.commandCalls(SendTaskHeartbeatCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: awsToken },
    ]);
    const open = await findGate(db.client, 'g6', 'beforeContract');
    expect(open?.decision).toBeNull();
    expect(open?.heartbeatAt).toBeInstanceOf(Date);
    // a timed-out task: no longer waiting, recorded as such
    sfn.on(SendTaskHeartbeatCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    const late = await gate('heartbeat', '--release', 'g6', '--format', 'json');
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('no longer waiting');
    expect((await findGate(db.client, 'g6', 'beforeContract'))?.decision).toBe('timed_out');
    // nothing open any more: a usage error that says so
    const decided = await gate('heartbeat', '--release', 'g6', '--gate', 'beforeContract');
    expect(decided.code).toBe(2);
    expect(decided.stderr).toContain('gate beforeContract of release g6 was already timed_out');
    const none = await gate('heartbeat', '--release', 'nope');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no open gate for release nope');
  });
});
