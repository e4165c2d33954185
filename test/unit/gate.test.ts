import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { resumeGate } from '../../core/gates/decide.ts';
import type { GateRecord } from '../../core/gates/gates.ts';
import { StepFunctionsGateResumer } from '../../lambdas/aws/gate-resumer.ts';

const sfn = mockClient(SFNClient);
const token = 'AQCEAAAAKgAAAAMAAAAAAAAAAcw1example-task-token';
/** The Step Functions resumer the CLI and the gate function use, on the mocked SFN client. */
const resumer = () => new StepFunctionsGateResumer(new SFNClient({ region: 'eu-west-1' }));

function decided(decision: GateRecord['decision'], taskToken = token): GateRecord {
  return {
    release: 'v42',
    gate: 'beforeContract',
    executionId: 'arn:aws:states:eu-west-1:123456789012:execution:Orchestrator:v42-1',
    taskToken,
    openedAt: new Date('2026-01-01T10:00:00Z'),
    decidedAt: new Date('2026-01-01T10:05:00Z'),
    decision,
    decidedBy: 'ci',
    reason: decision === 'rejected' ? 'canary error rate 4%' : null,
    heartbeatAt: null,
  };
}

beforeEach(() => {
  sfn.reset();
});

describe('resumeGate', () => {
  it('sends SendTaskSuccess with the gate output when approved', async () => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).resolves({});
    // Act
    const how = await resumeGate(resumer(), decided('approved'));
    // Assess
    expect(how).toBe('step-functions');
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([
      {
        taskToken: token,
        output: JSON.stringify({
          release: 'v42',
          gate: 'beforeContract',
          decision: 'approved',
          decidedBy: 'ci',
          reason: null,
        }),
      },
    ]);
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('sends SendTaskFailure with GateRejected and the reason when rejected', async () => {
    // Prepare
    sfn.on(SendTaskFailureCommand).resolves({});
    // Act
    await resumeGate(resumer(), decided('rejected'));
    // Assess
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      {
        taskToken: token,
        error: 'GateRejected',
        cause: 'gate beforeContract of release v42 was rejected by ci: canary error rate 4%',
      },
    ]);
  });

  it('calls nothing for a local token: the local runner reads the decision from the database', async () => {
    const how = await resumeGate(resumer(), decided('approved', 'local:1234'));
    expect(how).toBe('local');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('reports a task that timed out instead of failing', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await expect(resumeGate(resumer(), decided('approved'))).resolves.toBe('timed-out');
  });

  it('passes other Step Functions errors on (the caller undoes the decision)', async () => {
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(resumeGate(resumer(), decided('approved'))).rejects.toThrow('not authorized');
  });

  it('refuses a gate without a token or without a decision', async () => {
    await expect(resumeGate(resumer(), { ...decided('approved'), taskToken: null })).rejects.toThrow(
      'has no task token',
    );
    await expect(resumeGate(resumer(), decided(null))).rejects.toThrow('undecided');
    expect(sfn.calls()).toHaveLength(0);
  });
});
