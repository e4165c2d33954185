import { SFNClient } from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalRunEvent } from '../../cli/local-runner/events.ts';
import { executeStateMachine } from '../../cli/local-runner/execute-state-machine.ts';
import type { TaskHandler } from '../../cli/local-runner/handlers.ts';
import { sendGateHeartbeat } from '../../core/gates/decide.ts';
import { decideGate, findGate, openGate } from '../../core/gates/gates.ts';
import { ensureStateSchema } from '../../core/state/schema.ts';
import { StepFunctionsGateResumer } from '../../lambdas/aws/gate-resumer.ts';
import { useFreshDatabase } from '../support/database.ts';
import { tinyTemplate } from './support/tiny-stack.ts';

// The harness alone: a small CDK stack shaped like the orchestrator's, with handlers written here that
// record what they receive. The real definition and handlers are exercised in the scenario files.
const db = useFreshDatabase();
// biome-ignore lint/suspicious/noExplicitAny: task events are open-ended JSON
type Json = any;
type LambdaContext = Parameters<TaskHandler>[1];
let inline: object;
let distributed: object;
let heartbeat: object;
// long enough that a loaded machine never leaves 100 ms heartbeats this far apart
const HEARTBEAT_SECONDS = 2;

beforeAll(async () => {
  await ensureStateSchema(db.client);
  inline = tinyTemplate('inline');
  distributed = tinyTemplate('distributed');
  heartbeat = tinyTemplate('inline', { gateHeartbeatSeconds: HEARTBEAT_SECONDS });
}, 60_000);

function handlers(
  calls: { task: string; event: Json; remainingMs?: number }[],
  options: { failChunk?: boolean; hugeChunk?: boolean } = {},
) {
  const chunks = new Map<number, number>();
  const record =
    (task: string): TaskHandler =>
    async (event: Json, context) => {
      calls.push({ task, event, remainingMs: context?.getRemainingTimeInMillis?.() });
      return undefined;
    };
  return {
    plan: async (event: Json, context?: LambdaContext) => {
      await record('plan')(event, context);
      return {
        release: event.input.release,
        jobs: [
          { name: 'a', partition: 0, partitions: 2 },
          { name: 'a', partition: 1, partitions: 2 },
        ],
      };
    },
    gate: async (event: Json) => {
      await record('gate')(event);
      await openGate(db.client, {
        release: event.release,
        gate: event.gate,
        executionId: event.executionId,
        taskToken: event.taskToken,
      });
      return { opened: true };
    },
    backfillChunk: async (event: Json) => {
      await record('backfillChunk')(event);
      if (options.hugeChunk) return { job: event.job, done: true, blob: 'x'.repeat(300 * 1024) };
      if (options.failChunk)
        throw Object.assign(new Error('users.id 42: division by zero'), { name: 'MigrationFailed' });
      const n = (chunks.get(event.job.partition) ?? 0) + 1;
      chunks.set(event.job.partition, n);
      return { job: event.job, done: n >= 3, rowsDone: n * 10, rowsEstimated: 30 };
    },
  };
}

async function run(
  template: object,
  release: string,
  extra: Partial<Parameters<typeof executeStateMachine>[0]> = {},
  events: LocalRunEvent[] = [],
) {
  const calls: { task: string; event: Json; remainingMs?: number }[] = [];
  const result = await executeStateMachine({
    template,
    handlers: handlers(calls, { failChunk: release.includes('fail'), hugeChunk: release.includes('huge') }),
    connection: { connection: db.url },
    input: { release },
    gatePollMs: 20,
    log: { info() {}, warn() {}, error() {}, debug() {} },
    onEvent: (event) => events.push(event),
    ...extra,
  });
  return { result, calls, events };
}

/** How long the gate has been open, by the server's clock (the one `opened_at` was written with). */
async function secondsOpen(release: string): Promise<number> {
  const gate = await findGate(db.client, release, 'afterExpand');
  const { rows } = await db.client.query<{ now: Date }>('SELECT clock_timestamp() AS now');
  return (rows[0]!.now.getTime() - gate!.openedAt.getTime()) / 1000;
}

describe('local runner harness', () => {
  it('runs every task in process, resumes a gate approved from another connection, loops the Map', async () => {
    // GIVEN a run waiting at its gate
    const seen: LocalRunEvent[] = [];
    const running = run(inline, 'h1', {}, seen);
    await expect.poll(() => seen.some((e) => e.type === 'gate-waiting'), { timeout: 20_000 }).toBe(true);
    expect((await findGate(db.client, 'h1', 'afterExpand'))?.taskToken).toMatch(/^local:[0-9a-f-]{36}$/);
    // WHEN someone approves it, as `zerodown gate approve` does
    await decideGate(db.client, {
      release: 'h1',
      gate: 'afterExpand',
      decision: 'approved',
      decidedBy: 'test',
    });
    const { result, calls, events } = await running;
    // THEN it went on and ran both partitions to done
    expect(result.status).toBe('succeeded');
    expect(result.executionId).toMatch(
      /^arn:aws:states:local:000000000000:execution:Machine[0-9A-F]{8}:local-h1$/,
    );
    expect(calls.map((c) => c.task).sort()).toEqual([
      'backfillChunk',
      'backfillChunk',
      'backfillChunk',
      'backfillChunk',
      'backfillChunk',
      'backfillChunk',
      'gate',
      'plan',
    ]);
    expect(calls.find((c) => c.task === 'plan')!.event).toEqual({
      input: { release: 'h1', executionId: result.executionId },
      executionId: result.executionId,
    });
    expect(calls.find((c) => c.task === 'plan')!.remainingMs).toBeGreaterThan(25_000);
    expect(events.find((e) => e.type === 'gate-waiting')).toMatchObject({
      gate: 'afterExpand',
      release: 'h1',
      command: expect.stringContaining('zerodown gate approve --release h1'),
    });
    expect(events.filter((e) => e.type === 'backfill-progress' && e.done)).toHaveLength(2);
    expect(
      events.filter((e) => e.type === 'state-entered').map((e) => (e as { state: string }).state),
    ).toContain('IsChunkDone');
  });

  it('fails the gate with GateRejected and the reason when rejected', async () => {
    const seen: LocalRunEvent[] = [];
    const running = run(inline, 'h2', {}, seen);
    await expect.poll(() => seen.some((e) => e.type === 'gate-waiting'), { timeout: 20_000 }).toBe(true);
    await decideGate(db.client, {
      release: 'h2',
      decision: 'rejected',
      decidedBy: 'ops',
      reason: 'canary errors',
    });
    const { result } = await running;
    expect(result).toMatchObject({ status: 'failed', error: 'GateRejected', failedState: 'GateAfterExpand' });
    expect(result.cause).toContain('canary errors');
  });

  it('fails the gate with States.Timeout after --gate-timeout and records it timed_out', async () => {
    const { result } = await run(inline, 'h3', { gateTimeoutSeconds: 1 });
    expect(result).toMatchObject({
      status: 'failed',
      error: 'States.Timeout',
      failedState: 'GateAfterExpand',
    });
    await expect
      .poll(async () => (await findGate(db.client, 'h3', 'afterExpand'))?.decision)
      .toBe('timed_out');
  });

  it('approves at once with approveGates, saying so', async () => {
    const { result, events } = await run(inline, 'h4', { approveGates: true });
    expect(result.status).toBe('succeeded');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'gate-decided', automatically: true, decision: 'approved' }),
    );
    expect((await findGate(db.client, 'h4', 'afterExpand'))?.decidedBy).toBe('zerodown run --approve-gates');
  });

  it('names the task that failed inside the Map, with the Lambda error as Step Functions reports it', async () => {
    const { result } = await run(inline, 'h5-fail', { approveGates: true });
    expect(result).toMatchObject({
      status: 'failed',
      error: 'MigrationFailed',
      failedState: 'BackfillChunk',
    });
    expect(JSON.parse(result.cause!)).toEqual({
      errorType: 'MigrationFailed',
      errorMessage: 'users.id 42: division by zero',
    });
  });

  it('runs a Distributed Map through the inline transformation, saying so', async () => {
    const { result, events } = await run(distributed, 'h6', { approveGates: true });
    expect(result.status).toBe('succeeded');
    expect(events[0]).toMatchObject({ type: 'synthesized', transformedMaps: ['Backfill'] });
  });

  it('fails a gate whose heartbeat nobody sends with States.HeartbeatTimeout, as Step Functions does', async () => {
    const { result } = await run(heartbeat, 'h7');
    expect(result).toMatchObject({
      status: 'failed',
      error: 'States.HeartbeatTimeout',
      failedState: 'GateAfterExpand',
    });
    expect((await findGate(db.client, 'h7', 'afterExpand'))?.decision).toBe('timed_out');
  });

  it('keeps a gate with a heartbeat open while zerodown gate heartbeat comes, as SendTaskHeartbeat does', async () => {
    // GIVEN a gate that fails after HEARTBEAT_SECONDS without a heartbeat
    const seen: LocalRunEvent[] = [];
    const running = run(heartbeat, 'h7-beat', {}, seen);
    await expect.poll(() => seen.some((e) => e.type === 'gate-waiting'), { timeout: 20_000 }).toBe(true);
    // WHEN the deploy job sends heartbeats (a local token: no AWS call) until, by the server's clock, the
    // gate has been open twice its heartbeat timeout
    const sfn = new StepFunctionsGateResumer(new SFNClient({ region: 'eu-west-1' }));
    do {
      expect((await sendGateHeartbeat(db.client, sfn, { release: 'h7-beat' })).sent).toBe('local');
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while ((await secondsOpen('h7-beat')) < 2 * HEARTBEAT_SECONDS);
    // THEN the gate outlived its heartbeat timeout, still open, and the run goes on once it is approved
    expect((await findGate(db.client, 'h7-beat', 'afterExpand'))?.decision).toBeNull();
    await decideGate(db.client, { release: 'h7-beat', decision: 'approved', decidedBy: 'test' });
    const { result } = await running;
    expect(result.status).toBe('succeeded');
  });

  it('fails the execution on a task result over 256 KiB, past every Catch', async () => {
    const { result, events } = await run(inline, 'h8-huge', { approveGates: true });
    expect(result).toMatchObject({
      status: 'failed',
      error: 'States.DataLimitExceeded',
      failedState: 'BackfillChunk',
    });
    expect(events.some((e) => e.type === 'state-entered' && e.state === 'Failed')).toBe(false);
  });
});
