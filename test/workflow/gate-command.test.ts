import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
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
import { localHandlers } from '../integration/lambdas.support.ts';
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

/** Runs `zerodown gate …args` in process, with no DATABASE_URL in the environment; returns its output. */
async function command(args: string[]) {
  const saved = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  try {
    const code = await main(['node', 'zerodown', 'gate', ...args, '--region', 'eu-west-1']);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
    if (saved !== undefined) process.env.DATABASE_URL = saved;
  }
}

/** The command with the database. */
const gate = (...args: string[]) => command([...args, '--database-url', db.url]);

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

  describe('through the gate function (a CI/CD runner without database access)', () => {
    const lambda = mockClient(LambdaClient);
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

    beforeEach(() => {
      lambda.reset();
      // Lambda's Node.js runtime: the handler's result, or its error's name and message as FunctionError
      const { handlers } = localHandlers(db.url, 'migrations');
      lambda.on(InvokeCommand).callsFake(async (input) => {
        try {
          const result = await handlers.gate(JSON.parse(String(input.Payload)));
          return { StatusCode: 200, Payload: encode(result) };
        } catch (error) {
          const { name, message } = error as Error;
          return {
            StatusCode: 200,
            FunctionError: 'Unhandled',
            Payload: encode({ errorType: name, errorMessage: message }),
          };
        }
      });
    });

    /** The command with --gate-function and no database URL anywhere. */
    const viaFunction = (...args: string[]) => command([...args, '--gate-function', 'zd-gate']);

    it('approve: the function records the decision and resumes the execution', async () => {
      await openGate(db.client, {
        release: 'g7',
        gate: 'beforeContract',
        executionId: 'exec-7',
        taskToken: awsToken,
      });
      sfn.on(SendTaskSuccessCommand).resolves({});
      const result = await viaFunction(
        'approve',
        '--release',
        'g7',
        '--by',
        'github-actions',
        '--reason',
        'live',
      );
      expect(result).toMatchObject({
        code: 0,
        stdout: 'approved gate beforeContract of release g7: the execution was resumed\n',
      });
      expect(lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input)).toEqual([
        {
          FunctionName: 'zd-gate',
          Payload: JSON.stringify({
            action: 'approve',
            release: 'g7',
            decidedBy: 'github-actions',
            reason: 'live',
          }),
        },
      ]);
      expect(await findGate(db.client, 'g7', 'beforeContract')).toMatchObject({
        decision: 'approved',
        decidedBy: 'github-actions',
        reason: 'live',
      });
      expect(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.taskToken).toBe(awsToken);
    });

    it("heartbeat and reject go the same way; the function's usage errors stay usage errors", async () => {
      await openGate(db.client, {
        release: 'g8',
        gate: 'afterExpand',
        executionId: 'exec-8',
        taskToken: awsToken,
      });
      sfn.on(SendTaskHeartbeatCommand).resolves({});
      sfn.on(SendTaskFailureCommand).resolves({});
      expect(await viaFunction('heartbeat', '--release', 'g8', '--format', 'json')).toMatchObject({
        code: 0,
        stdout: '{"release":"g8","gate":"afterExpand","heartbeat":"step-functions"}\n',
      });
      expect((await findGate(db.client, 'g8', 'afterExpand'))?.heartbeatAt).toBeInstanceOf(Date);
      expect(await viaFunction('reject', '--release', 'g8', '--reason', 'canary failed')).toMatchObject({
        code: 0,
      });
      expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toMatchObject({
        error: 'GateRejected',
        cause: expect.stringContaining('canary failed'),
      });
      const none = await viaFunction('approve', '--release', 'nope');
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('no open gate for release nope');
    });

    it('says what to check when the function cannot be invoked, and decides nothing', async () => {
      lambda.on(InvokeCommand).rejects(
        Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), {
          name: 'AccessDeniedException',
        }),
      );
      const result = await viaFunction('approve', '--release', 'g9');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('could not invoke the gate function zd-gate: User is not authorized');
      expect(result.stderr).toContain('nothing was decided');
    });
  });
});
