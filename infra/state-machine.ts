import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RESULT_FIELDS } from '../lambdas/events.ts';
import type { TaskName } from '../lambdas/tasks.ts';

/** How the Backfill Map runs its partitions. */
export type BackfillMapMode = 'inline' | 'distributed';

/** What the workflow definition is built from. */
export interface WorkflowDefinitionProps {
  /** The Lambda function of every task. */
  readonly functions: Readonly<Record<TaskName, lambda.IFunction>>;
  /** How long a gate waits for a decision (its TimeoutSeconds). */
  readonly gateTimeout: Duration;
  /** When set, the gate fails unless SendTaskHeartbeat comes at least this often. */
  readonly gateHeartbeat?: Duration;
  /** Partitions backfilled at once (the Map's MaxConcurrency). */
  readonly maxPartitions: number;
  /** `distributed`: every partition is a child execution with its own event history. */
  readonly backfillMap: BackfillMapMode;
  /** The wait between two looks at a CREATE INDEX CONCURRENTLY that outlasted its task. */
  readonly indexBuildPollInterval: Duration;
}

/** Lambda errors where the function did not run (or may be re-run safely): every task is idempotent. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

const serviceRetry: sfn.RetryProps = {
  errors: LAMBDA_SERVICE_ERRORS,
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/** A statement that kept meeting lock_timeout after the in-task retries: try the whole step later. */
const lockTimeoutRetry: sfn.RetryProps = {
  errors: ['LockTimeout'],
  interval: Duration.seconds(30),
  maxAttempts: 3,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

const FAILURE = '$.failure';

function selectPayload(fields: readonly string[]): Record<string, string> {
  return Object.fromEntries(fields.map((field) => [`${field}.$`, `$.Payload.${field}`]));
}

/**
 * Builds the migration workflow (Standard, JSONPath):
 * Plan -> AcquireLock -> Expand (looping while an index builds) -> [GateAfterExpand] -> PrepareBackfill ->
 * Backfill (Map of BackfillChunk loops) -> FinishBackfills -> [GateBeforeContract] -> Contract -> ReleaseLock.
 * Expand/backfill failures roll back; a rejected or timed-out gate keeps the expand unless the input
 * says `onGateReject: rollback`; every way out after AcquireLock goes through ReleaseLock. State names
 * are an interface (the local runner, `zerodown start`): see docs/workflow.md.
 *
 * @example
 * const definition = buildWorkflowDefinition(this, { functions, gateTimeout: Duration.hours(24),
 *   maxPartitions: 4, backfillMap: 'distributed', indexBuildPollInterval: Duration.minutes(1) });
 */
export function buildWorkflowDefinition(scope: Construct, props: WorkflowDefinitionProps): sfn.IChainable {
  const s = new Construct(scope, 'Workflow');
  const invoke = (
    id: string,
    task: TaskName,
    payload: Record<string, unknown>,
    options: { fields?: readonly string[]; resultPath?: string; lockTimeoutRetry?: boolean } = {},
  ) => {
    const state = new tasks.LambdaInvoke(s, id, {
      lambdaFunction: props.functions[task],
      payload: sfn.TaskInput.fromObject(payload),
      retryOnServiceExceptions: false,
      resultSelector: options.fields ? selectPayload(options.fields) : undefined,
      resultPath: options.resultPath ?? sfn.JsonPath.DISCARD,
      comment: `zerodown task ${task}`,
    });
    state.addRetry(serviceRetry);
    if (options.lockTimeoutRetry) state.addRetry(lockTimeoutRetry);
    return state;
  };
  const planPayload = { 'plan.$': '$.plan' };
  const lockPayload = { 'executionId.$': '$$.Execution.Id', 'release.$': '$.plan.release' };

  const succeeded = new sfn.Succeed(s, 'Succeeded');
  const failed = new sfn.Fail(s, 'Failed', { errorPath: '$.failure.Error', causePath: '$.failure.Cause' });
  const lockNotReleased = new sfn.Fail(s, 'LockNotReleased', {
    errorPath: '$.releaseFailure.Error',
    causePath: '$.releaseFailure.Cause',
  });

  const plan = invoke(
    'Plan',
    'plan',
    { 'input.$': '$', 'executionId.$': '$$.Execution.Id' },
    { fields: RESULT_FIELDS.plan, resultPath: '$.plan' },
  );
  const acquireLock = invoke('AcquireLock', 'acquireLock', lockPayload);
  const releaseLock = invoke('ReleaseLock', 'releaseLock', lockPayload);
  const expand = invoke('Expand', 'expand', planPayload, {
    fields: RESULT_FIELDS.schemaPhase,
    resultPath: '$.expand',
    lockTimeoutRetry: true,
  });
  const contract = invoke('Contract', 'contract', planPayload, {
    fields: RESULT_FIELDS.schemaPhase,
    resultPath: '$.contract',
    lockTimeoutRetry: true,
  });
  const rollback = invoke(
    'Rollback',
    'rollback',
    { ...planPayload, 'failure.$': FAILURE },
    { fields: RESULT_FIELDS.rollback, resultPath: '$.rollback', lockTimeoutRetry: true },
  );
  const prepareBackfill = invoke('PrepareBackfill', 'prepareBackfill', planPayload, {
    fields: RESULT_FIELDS.prepareBackfill,
    resultPath: '$.backfill',
    lockTimeoutRetry: true,
  });
  const finishBackfills = invoke(
    'FinishBackfills',
    'finishBackfills',
    { ...planPayload, 'results.$': '$.backfill.results' },
    { fields: RESULT_FIELDS.finishBackfills, resultPath: '$.backfill', lockTimeoutRetry: true },
  );
  const gate = (id: string, name: 'afterExpand' | 'beforeContract') => {
    const state = new tasks.LambdaInvoke(s, id, {
      lambdaFunction: props.functions.gate,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        taskToken: sfn.JsonPath.taskToken,
        'release.$': '$.plan.release',
        gate: name,
        'executionId.$': '$$.Execution.Id',
        timeoutSeconds: props.gateTimeout.toSeconds(),
      }),
      taskTimeout: sfn.Timeout.duration(props.gateTimeout),
      heartbeatTimeout: props.gateHeartbeat ? sfn.Timeout.duration(props.gateHeartbeat) : undefined,
      retryOnServiceExceptions: false,
      resultPath: `$.${name}Gate`,
      comment: `deploy gate ${name}: zerodown gate approve --release <release>`,
    });
    state.addRetry(serviceRetry);
    return state;
  };
  const gateAfterExpand = gate('GateAfterExpand', 'afterExpand');
  const gateBeforeContract = gate('GateBeforeContract', 'beforeContract');

  // one partition: BackfillChunk until done; a failure ends the item with its error, which
  // FinishBackfills raises again, so inline and distributed Maps fail the same way with the same cause
  const chunk = new tasks.LambdaInvoke(s, 'BackfillChunk', {
    lambdaFunction: props.functions.backfillChunk,
    payload: sfn.TaskInput.fromJsonPathAt('$'),
    retryOnServiceExceptions: false,
    resultSelector: selectPayload(RESULT_FIELDS.backfillChunk),
    comment: 'zerodown task backfillChunk',
  });
  chunk.addRetry(serviceRetry).addRetry(lockTimeoutRetry);
  const partitionFailed = new sfn.Pass(s, 'PartitionFailed', {
    parameters: { 'job.$': '$.job', failed: true, 'failure.$': FAILURE },
  });
  chunk.addCatch(partitionFailed, { resultPath: FAILURE });
  const partitionLoop = chunk.next(
    new sfn.Choice(s, 'IsPartitionDone')
      .when(sfn.Condition.booleanEquals('$.done', true), new sfn.Succeed(s, 'PartitionDone'))
      .otherwise(chunk),
  );
  const mapProps = {
    itemsPath: '$.backfill.jobs',
    itemSelector: {
      'job.$': '$$.Map.Item.Value',
      'executionId.$': '$.plan.executionId',
      'release.$': '$.plan.release',
    },
    maxConcurrency: props.maxPartitions,
    resultPath: '$.backfill.results',
  };
  const backfill =
    props.backfillMap === 'distributed'
      ? new sfn.DistributedMap(s, 'Backfill', {
          ...mapProps,
          mapExecutionType: sfn.StateMachineType.STANDARD,
          label: 'Backfill',
        })
      : new sfn.Map(s, 'Backfill', mapProps);
  backfill.itemProcessor(partitionLoop);

  // every way out after AcquireLock: ReleaseLock, then fail with the failure that led there, if any
  const isExecutionFailed = new sfn.Choice(s, 'IsExecutionFailed')
    .when(sfn.Condition.isPresent(FAILURE), failed)
    .when(sfn.Condition.isPresent('$.releaseFailure'), lockNotReleased)
    .otherwise(succeeded);
  releaseLock.addCatch(isExecutionFailed, { resultPath: '$.releaseFailure' });
  releaseLock.next(isExecutionFailed);

  const toReleaseLock = { resultPath: FAILURE };
  plan.addCatch(failed, { resultPath: FAILURE });
  // a lock held by another execution fails the execution, or with `ifLocked: skip` (the contract
  // schedule) ends it as succeeded with `skipped` naming the holder; both still pass ReleaseLock, which
  // leaves a lock this execution does not hold alone
  const skipWhileLocked = new sfn.Pass(s, 'SkipWhileLocked', {
    comment: 'the lock is held elsewhere and the input says ifLocked: skip',
    parameters: { 'plan.$': '$.plan', 'skipped.$': FAILURE },
  });
  skipWhileLocked.next(releaseLock);
  acquireLock.addCatch(
    new sfn.Choice(s, 'ShouldSkipWhileLocked')
      .when(sfn.Condition.stringEquals('$.plan.ifLocked', 'skip'), skipWhileLocked)
      .otherwise(releaseLock),
    { errors: ['LockHeld'], resultPath: FAILURE },
  );
  acquireLock.addCatch(releaseLock, toReleaseLock);
  for (const step of [expand, prepareBackfill, backfill, finishBackfills]) {
    step.addCatch(rollback, { resultPath: FAILURE });
  }
  rollback.addCatch(releaseLock, toReleaseLock);
  rollback.next(releaseLock);
  contract.addCatch(releaseLock, toReleaseLock);
  const onGateFailure = new sfn.Choice(s, 'ShouldRollbackOnGateReject')
    .when(sfn.Condition.stringEquals('$.plan.onGateReject', 'rollback'), rollback)
    .otherwise(releaseLock);
  gateAfterExpand.addCatch(onGateFailure, toReleaseLock);
  gateBeforeContract.addCatch(onGateFailure, toReleaseLock);

  const poll = (id: string, target: sfn.IChainable) =>
    new sfn.Wait(s, id, { time: sfn.WaitTime.duration(props.indexBuildPollInterval) }).next(target);

  const shouldContract = new sfn.Choice(s, 'ShouldContract')
    .when(sfn.Condition.booleanEquals('$.plan.run.contract', true), contract)
    .otherwise(releaseLock);
  contract.next(
    new sfn.Choice(s, 'IsContractDone')
      .when(sfn.Condition.booleanEquals('$.contract.done', true), releaseLock)
      .otherwise(poll('WaitForContractIndexBuild', contract)),
  );
  gateBeforeContract.next(shouldContract);
  const shouldGateBeforeContract = new sfn.Choice(s, 'ShouldGateBeforeContract')
    .when(sfn.Condition.booleanEquals('$.plan.gates.beforeContract', true), gateBeforeContract)
    .otherwise(shouldContract);
  prepareBackfill.next(backfill);
  backfill.next(finishBackfills);
  finishBackfills.next(shouldGateBeforeContract);
  const shouldBackfill = new sfn.Choice(s, 'ShouldBackfill')
    .when(sfn.Condition.booleanEquals('$.plan.run.backfill', true), prepareBackfill)
    .otherwise(shouldGateBeforeContract);
  gateAfterExpand.next(shouldBackfill);
  const shouldGateAfterExpand = new sfn.Choice(s, 'ShouldGateAfterExpand')
    .when(sfn.Condition.booleanEquals('$.plan.gates.afterExpand', true), gateAfterExpand)
    .otherwise(shouldBackfill);
  expand.next(
    new sfn.Choice(s, 'IsExpandDone')
      .when(sfn.Condition.booleanEquals('$.expand.done', true), shouldGateAfterExpand)
      .otherwise(poll('WaitForExpandIndexBuild', expand)),
  );
  acquireLock.next(
    new sfn.Choice(s, 'ShouldExpand')
      .when(sfn.Condition.booleanEquals('$.plan.run.expand', true), expand)
      .otherwise(shouldGateAfterExpand),
  );
  return plan.next(
    new sfn.Choice(s, 'IsDryRun')
      .when(sfn.Condition.booleanEquals('$.plan.dryRun', true), succeeded)
      .otherwise(acquireLock),
  );
}
