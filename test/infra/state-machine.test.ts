import { Duration, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_SERVICE_ERRORS } from '../../infra/state-machine.ts';
import type { TaskName } from '../../lambdas/task-handlers.ts';
import { allStates, exampleTemplate, type Json, resolvedDefinition, transitions } from './synth.ts';

const serviceRetry = {
  ErrorEquals: LAMBDA_SERVICE_ERRORS,
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};
const databaseUnavailableRetry = {
  ErrorEquals: ['DatabaseUnavailable'],
  IntervalSeconds: 5,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};
const lockTimeoutRetry = {
  ErrorEquals: ['LockTimeout'],
  IntervalSeconds: 30,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

describe('the workflow definition of the example stack', () => {
  let definition: Json;
  let states: Record<string, Json>;
  let arn: (task: TaskName) => string;

  beforeAll(() => {
    // GIVEN the example stack WHEN synthesized (no bundling)
    const { stack, template } = exampleTemplate();
    definition = resolvedDefinition(template);
    states = allStates(definition);
    const functions = stack.orchestrator.functions as Record<TaskName, lambda.Function>;
    arn = (task) => `<${Stack.of(stack).getLogicalId(functions[task].node.defaultChild as never)}.Arn>`;
  });

  it('is JSONPath (no JSONata) and has the states the local runner and the CLI rely on', () => {
    expect(definition.QueryLanguage).toBeUndefined();
    expect(definition.StartAt).toBe('Plan');
    expect(Object.keys(states).sort()).toEqual(
      [
        'AcquireLock',
        'Backfill',
        'BackfillChunk',
        'Contract',
        'Expand',
        'Failed',
        'FinishBackfills',
        'GateAfterExpand',
        'GateBeforeContract',
        'IsContractDone',
        'IsDryRun',
        'IsExecutionFailed',
        'IsExpandDone',
        'IsPartitionDone',
        'LockNotReleased',
        'PartitionDone',
        'PartitionFailed',
        'Plan',
        'PrepareBackfill',
        'ReleaseLock',
        'Rollback',
        'ShouldBackfill',
        'ShouldContract',
        'ShouldExpand',
        'ShouldGateAfterExpand',
        'ShouldGateBeforeContract',
        'ShouldRollbackOnGateReject',
        'ShouldSkipWhileLocked',
        'SkipWhileLocked',
        'Succeeded',
        'WaitForContractIndexBuild',
        'WaitForExpandIndexBuild',
      ].sort(),
    );
  });

  it('goes Plan -> AcquireLock -> Expand -> gates -> Backfill -> Contract -> ReleaseLock, with its failure paths', () => {
    const graph = Object.fromEntries(
      Object.entries(states).map(([name, state]) => [name, transitions(state)]),
    );
    expect(graph).toEqual({
      Plan: ['IsDryRun', 'Failed'],
      IsDryRun: ['AcquireLock', 'Succeeded'],
      AcquireLock: ['ShouldExpand', 'ShouldSkipWhileLocked', 'ReleaseLock'],
      ShouldSkipWhileLocked: ['ReleaseLock', 'SkipWhileLocked'],
      SkipWhileLocked: ['ReleaseLock'],
      ShouldExpand: ['ShouldGateAfterExpand', 'Expand'],
      Expand: ['IsExpandDone', 'Rollback'],
      IsExpandDone: ['WaitForExpandIndexBuild', 'ShouldGateAfterExpand'],
      WaitForExpandIndexBuild: ['Expand'],
      ShouldGateAfterExpand: ['ShouldBackfill', 'GateAfterExpand'],
      GateAfterExpand: ['ShouldBackfill', 'ShouldRollbackOnGateReject'],
      ShouldRollbackOnGateReject: ['ReleaseLock', 'Rollback'],
      ShouldBackfill: ['ShouldGateBeforeContract', 'PrepareBackfill'],
      PrepareBackfill: ['Backfill', 'Rollback'],
      Backfill: ['FinishBackfills', 'Rollback'],
      BackfillChunk: ['IsPartitionDone', 'PartitionFailed'],
      IsPartitionDone: ['BackfillChunk', 'PartitionDone'],
      PartitionDone: [],
      PartitionFailed: [],
      FinishBackfills: ['ShouldGateBeforeContract', 'Rollback'],
      ShouldGateBeforeContract: ['ShouldContract', 'GateBeforeContract'],
      GateBeforeContract: ['ShouldContract', 'ShouldRollbackOnGateReject'],
      ShouldContract: ['ReleaseLock', 'Contract'],
      Contract: ['IsContractDone', 'ReleaseLock'],
      IsContractDone: ['WaitForContractIndexBuild', 'ReleaseLock'],
      WaitForContractIndexBuild: ['Contract'],
      Rollback: ['ReleaseLock', 'ReleaseLock'],
      ReleaseLock: ['IsExecutionFailed', 'IsExecutionFailed'],
      IsExecutionFailed: ['Succeeded', 'Failed', 'LockNotReleased'],
      Succeeded: [],
      Failed: [],
      LockNotReleased: [],
    });
  });

  it('renders its states in one fixed order with their targets (a change redeploys the state machine)', () => {
    // GIVEN the definition WHEN its states are listed as rendered, each with its Next/Default/Choices/Catch targets
    const rendered = (graph: Json) =>
      Object.entries(graph.States as Record<string, Json>).map(([name, state]) => [name, transitions(state)]);
    // THEN the order and the targets are exactly these: the stage builders in infra/workflow/ keep them
    expect(rendered(definition)).toEqual([
      ['Plan', ['IsDryRun', 'Failed']],
      ['IsDryRun', ['AcquireLock', 'Succeeded']],
      ['AcquireLock', ['ShouldExpand', 'ShouldSkipWhileLocked', 'ReleaseLock']],
      ['ShouldExpand', ['ShouldGateAfterExpand', 'Expand']],
      ['ShouldGateAfterExpand', ['ShouldBackfill', 'GateAfterExpand']],
      ['IsExpandDone', ['WaitForExpandIndexBuild', 'ShouldGateAfterExpand']],
      ['Expand', ['IsExpandDone', 'Rollback']],
      ['WaitForExpandIndexBuild', ['Expand']],
      ['Rollback', ['ReleaseLock', 'ReleaseLock']],
      ['PrepareBackfill', ['Backfill', 'Rollback']],
      ['ShouldBackfill', ['ShouldGateBeforeContract', 'PrepareBackfill']],
      ['GateAfterExpand', ['ShouldBackfill', 'ShouldRollbackOnGateReject']],
      ['ShouldRollbackOnGateReject', ['ReleaseLock', 'Rollback']],
      ['GateBeforeContract', ['ShouldContract', 'ShouldRollbackOnGateReject']],
      ['ShouldGateBeforeContract', ['ShouldContract', 'GateBeforeContract']],
      ['FinishBackfills', ['ShouldGateBeforeContract', 'Rollback']],
      ['Backfill', ['FinishBackfills', 'Rollback']],
      ['ShouldContract', ['ReleaseLock', 'Contract']],
      ['ReleaseLock', ['IsExecutionFailed', 'IsExecutionFailed']],
      ['SkipWhileLocked', ['ReleaseLock']],
      ['ShouldSkipWhileLocked', ['ReleaseLock', 'SkipWhileLocked']],
      ['Contract', ['IsContractDone', 'ReleaseLock']],
      ['WaitForContractIndexBuild', ['Contract']],
      ['IsContractDone', ['WaitForContractIndexBuild', 'ReleaseLock']],
      ['IsExecutionFailed', ['Succeeded', 'Failed', 'LockNotReleased']],
      ['Succeeded', []],
      ['Failed', []],
      ['LockNotReleased', []],
    ]);
    expect(rendered(states.Backfill.ItemProcessor)).toEqual([
      ['BackfillChunk', ['IsPartitionDone', 'PartitionFailed']],
      ['IsPartitionDone', ['BackfillChunk', 'PartitionDone']],
      ['PartitionDone', []],
      ['PartitionFailed', []],
    ]);
  });

  it('releases the lock on every path out once AcquireLock has run', () => {
    // walk from AcquireLock without passing ReleaseLock: no end state may be reachable
    const top = definition.States as Record<string, Json>;
    const seen = new Set<string>();
    const queue = ['AcquireLock'];
    const ends: string[] = [];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name) || name === 'ReleaseLock') continue;
      seen.add(name);
      const state = top[name];
      if (state.Type === 'Succeed' || state.Type === 'Fail') ends.push(name);
      queue.push(...transitions(state));
    }
    expect(ends).toEqual([]);
    expect(seen.has('GateBeforeContract') && seen.has('Contract') && seen.has('Rollback')).toBe(true);
  });

  it('AcquireLock: a held lock fails the execution, or with ifLocked: skip ends it as skipped', () => {
    expect(states.AcquireLock.Catch).toEqual([
      { ErrorEquals: ['LockHeld'], ResultPath: '$.failure', Next: 'ShouldSkipWhileLocked' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'ReleaseLock' },
    ]);
    expect(states.ShouldSkipWhileLocked).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.plan.ifLocked', StringEquals: 'skip', Next: 'SkipWhileLocked' }],
      Default: 'ReleaseLock',
    });
    // the failure moves to `skipped`, so IsExecutionFailed after ReleaseLock ends in Succeeded
    expect(states.SkipWhileLocked).toMatchObject({
      Type: 'Pass',
      Parameters: { 'plan.$': '$.plan', 'skipped.$': '$.failure' },
      Next: 'ReleaseLock',
    });
  });

  it('Plan: the whole execution input, the plan copied field by field, failures straight to Failed', () => {
    expect(states.Plan).toEqual({
      Type: 'Task',
      Comment: 'zerodown task plan',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: arn('plan'),
        Payload: { 'input.$': '$', 'executionId.$': '$$.Execution.Id' },
      },
      ResultSelector: Object.fromEntries(
        [
          'release',
          'executionId',
          'dryRun',
          'onGateReject',
          'ifLocked',
          'phases',
          'run',
          'gates',
          'expand',
          'backfill',
          'contract',
          'heldBack',
          'contractOnly',
          'lintOverride',
          'versions',
        ].map((field) => [`${field}.$`, `$.Payload.${field}`]),
      ),
      ResultPath: '$.plan',
      Retry: [serviceRetry, databaseUnavailableRetry],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Failed' }],
      Next: 'IsDryRun',
    });
  });

  it('gates wait for a task token with TimeoutSeconds; a failure goes to the rollback choice', () => {
    expect(states.GateBeforeContract).toEqual({
      Type: 'Task',
      Comment: 'deploy gate beforeContract: zerodown gate approve --release <release>',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: arn('gate'),
        Payload: {
          'taskToken.$': '$$.Task.Token',
          'release.$': '$.plan.release',
          gate: 'beforeContract',
          'executionId.$': '$$.Execution.Id',
          timeoutSeconds: 86_400,
        },
      },
      TimeoutSeconds: 86_400,
      ResultPath: '$.beforeContractGate',
      Retry: [serviceRetry, databaseUnavailableRetry],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'ShouldRollbackOnGateReject' }],
      Next: 'ShouldContract',
    });
    expect(states.ShouldRollbackOnGateReject.Choices).toEqual([
      { Variable: '$.plan.onGateReject', StringEquals: 'rollback', Next: 'Rollback' },
    ]);
  });

  it('retries Lambda service errors and a database that went away everywhere, and LockTimeout only on steps that take DDL locks', () => {
    const retried = Object.fromEntries(
      Object.entries(states)
        .filter(([, state]) => state.Type === 'Task')
        .map(([name, state]) => [name, state.Retry.map((r: Json) => r.ErrorEquals.join(','))]),
    );
    const service = LAMBDA_SERVICE_ERRORS.join(',');
    const gone = 'DatabaseUnavailable';
    expect(retried).toEqual({
      Plan: [service, gone],
      AcquireLock: [service, gone],
      Expand: [service, gone, 'LockTimeout'],
      GateAfterExpand: [service, gone],
      PrepareBackfill: [service, gone, 'LockTimeout'],
      BackfillChunk: [service, gone, 'LockTimeout'],
      FinishBackfills: [service, gone, 'LockTimeout'],
      GateBeforeContract: [service, gone],
      Contract: [service, gone, 'LockTimeout'],
      Rollback: [service, gone, 'LockTimeout'],
      ReleaseLock: [service, gone],
    });
    expect(states.Expand.Retry[1]).toEqual(databaseUnavailableRetry);
    expect(states.Expand.Retry[2]).toEqual(lockTimeoutRetry);
  });

  it('backfills in a Distributed Map of partition loops whose failures come back as results', () => {
    const { ItemProcessor, ...map } = states.Backfill;
    expect(map).toEqual({
      Type: 'Map',
      ItemsPath: '$.backfill.jobs',
      ItemSelector: {
        'job.$': '$$.Map.Item.Value',
        'executionId.$': '$.plan.executionId',
        'release.$': '$.plan.release',
      },
      MaxConcurrency: 4,
      Label: 'Backfill',
      ResultPath: '$.backfill.results',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Rollback' }],
      Next: 'FinishBackfills',
    });
    expect(ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(ItemProcessor.StartAt).toBe('BackfillChunk');
    expect(states.BackfillChunk.Parameters).toEqual({ FunctionName: arn('backfillChunk'), 'Payload.$': '$' });
    expect(states.BackfillChunk.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'PartitionFailed' },
    ]);
    expect(states.PartitionFailed).toEqual({
      Type: 'Pass',
      Parameters: { 'job.$': '$.job', failed: true, 'failure.$': '$.failure' },
      End: true,
    });
    expect(states.IsPartitionDone.Choices).toEqual([
      { Variable: '$.done', BooleanEquals: true, Next: 'PartitionDone' },
    ]);
    expect(JSON.stringify(ItemProcessor.States)).not.toContain('$$.Execution');
  });

  it('leaves every partition room for days of chunks within the 25,000-event history', () => {
    // events Step Functions writes per state visit: a Lambda task 5, a Choice or Wait 2
    const cost = (state: Json) =>
      state.Type === 'Task' ? 5 : state.Type === 'Choice' || state.Type === 'Wait' ? 2 : 0;
    const loop = states.Backfill.ItemProcessor.States as Record<string, Json>;
    const perChunk = cost(loop.BackfillChunk) + cost(loop.IsPartitionDone);
    expect(perChunk).toBe(7);
    // each partition is a child execution (Distributed Map) with its own history
    const chunks = Math.floor(25_000 / perChunk);
    const defaultBudgetMinutes = 5;
    expect((chunks * defaultBudgetMinutes) / 60 / 24).toBeGreaterThan(12);
    // an index build poll: Expand, IsExpandDone, WaitForExpandIndexBuild, once per budget + 1 min wait
    const perPoll = cost(states.Expand) + cost(states.IsExpandDone) + cost(states.WaitForExpandIndexBuild);
    expect(perPoll).toBe(9);
    expect((Math.floor(24_000 / perPoll) * (defaultBudgetMinutes + 1)) / 60 / 24).toBeGreaterThan(10);
  });

  it('builds an inline Map, a gate heartbeat and a shorter index poll when asked', () => {
    const { template } = exampleTemplate({
      orchestrator: {
        backfillMap: 'inline',
        gateHeartbeat: Duration.hours(1),
        indexBuildPollInterval: Duration.seconds(20),
      },
    });
    const custom = allStates(resolvedDefinition(template));
    expect(custom.Backfill.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    expect(custom.Backfill.Label).toBeUndefined();
    expect(custom.GateAfterExpand).toMatchObject({ TimeoutSeconds: 86_400, HeartbeatSeconds: 3600 });
    expect(custom.WaitForExpandIndexBuild).toEqual({ Type: 'Wait', Seconds: 20, Next: 'Expand' });
  });
});
