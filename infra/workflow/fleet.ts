import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RESULT_FIELDS } from '../../lambdas/events.ts';
import { backfillStage } from './backfill.ts';
import {
  chainStages,
  type TargetScope,
  type WorkflowContext,
  type WorkflowDefinitionProps,
} from './context.ts';
import { planAndLock } from './plan-and-lock.ts';
import { schemaPhase } from './schema-phase.ts';
import { DATABASE_UNAVAILABLE_RETRY, FAILURE, invokeTask, lockPayload, SERVICE_RETRY } from './task-state.ts';
import { buildWaysOut } from './ways-out.ts';

/** What the fleet workflow is built from, besides what every target's stages need. */
export interface FleetDefinitionProps extends WorkflowDefinitionProps {
  /** Targets rolled out at once in a wave (the Distributed Maps' MaxConcurrency). */
  readonly maxConcurrency: number;
  /** The failure budget of a wave when the input gives none, in percent of the wave. */
  readonly toleratedFailurePercentage: number;
}

/** A target of a Map item: the fleet execution's id, the target's workflow input and the target. */
const ITEM: TargetScope = {
  executionIdPath: '$.executionId',
  inputPath: '$.input',
  payload: { 'target.$': '$.target' },
};

/** The fields of FleetPlan's result, copied to `$.fleet`. */
const FLEET_PLAN_FIELDS = [
  'release',
  'executionId',
  'targets',
  'input',
  'waves',
  'waveCount',
  'gate',
  'gateTarget',
  'runContract',
  'onFailure',
  'onGateReject',
];

/** How each item of a fleet Map starts: its target, the fleet execution (the lease owner) and the input. */
const ITEM_SELECTOR = {
  'target.$': '$$.Map.Item.Value',
  'executionId.$': '$$.Execution.Id',
  'input.$': '$.fleet.input',
};

function recordStep(
  ctx: WorkflowContext,
  id: string,
  status: string,
  extra: Record<string, unknown> = {},
): sfn.TaskStateBase {
  return invokeTask(ctx, id, 'fleetRecord', {
    'executionId.$': '$.executionId',
    'release.$': '$.input.release',
    status,
    ...extra,
  });
}

/** Records a target's failure with its error (`$.failure`), then fails the item with it. */
function failTarget(ctx: WorkflowContext, recordId: string, failId: string): sfn.TaskStateBase {
  const fail = new sfn.Fail(ctx.scope, failId, {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const record = recordStep(ctx, recordId, 'failed', { 'failure.$': FAILURE });
  record.addCatch(fail, { resultPath: '$.recordFailure' });
  record.next(fail);
  return record;
}

/** The target's Plan again (what its expand left pending tells the later stages where it stands). */
function planTarget(ctx: WorkflowContext, id: string): sfn.TaskStateBase {
  return invokeTask(
    ctx,
    id,
    'plan',
    { 'input.$': ITEM.inputPath, 'executionId.$': ITEM.executionIdPath },
    { fields: RESULT_FIELDS.plan, resultPath: '$.plan' },
  );
}

function fleetMap(
  ctx: WorkflowContext,
  id: string,
  props: FleetDefinitionProps,
  itemsPath: string,
  extra = {},
) {
  return new sfn.DistributedMap(ctx.scope, id, {
    itemsPath,
    itemSelector: { ...ITEM_SELECTOR, ...extra },
    maxConcurrency: props.maxConcurrency,
    resultPath: sfn.JsonPath.DISCARD,
    mapExecutionType: sfn.StateMachineType.STANDARD,
    label: id,
  });
}

/**
 * One target's rollout up to the fleet gate, the single-database stages run with the target:
 * RecordTargetStarted -> Plan -> AcquireLock -> Expand -> Backfill -> RecordTargetExpanded. The lease
 * stays held (through the gate, until the target's contract). A failure rolls this target back alone
 * (Rollback -> ReleaseLock), records it with its error (RecordTargetFailed), and fails the item.
 */
function targetRollout(ctx: WorkflowContext): sfn.IChainable {
  const { scope } = ctx;
  const recordFailed = failTarget(ctx, 'RecordTargetFailed', 'TargetFailed');
  // its lease outlasts the fleet gate: nothing of this target runs while the gate waits
  const recordExpanded = recordStep(ctx, 'RecordTargetExpanded', 'expanded', {
    holdSeconds: ctx.props.gateTimeout.toSeconds(),
  });
  recordExpanded.next(new sfn.Succeed(scope, 'TargetExpanded'));
  const exits = buildWaysOut(ctx, { succeeded: recordExpanded, failed: recordFailed });
  recordExpanded.addCatch(exits.rollback, { resultPath: FAILURE });
  const recordStarted = recordStep(ctx, 'RecordTargetStarted', 'started');
  recordStarted.addCatch(recordFailed, { resultPath: FAILURE });
  const start = chainStages(
    [
      planAndLock(ctx, exits),
      schemaPhase(ctx, { phase: 'expand', onFailure: exits.rollback }),
      backfillStage(ctx, exits),
    ],
    recordExpanded,
  );
  exits.close();
  return recordStarted.next(start);
}

/**
 * One target's contract after the gate: PlanContract -> IsTargetExpanded (a target whose expand did not
 * stay applied, one that failed and was rolled back, is skipped) -> AcquireContractLock (its own lease
 * again) -> Contract (looping on index builds) -> ReleaseContractLock -> RecordTargetContracted.
 */
function targetContract(ctx: WorkflowContext): sfn.IChainable {
  const { scope } = ctx;
  const recordFailed = failTarget(ctx, 'RecordContractFailed', 'ContractFailed');
  const releaseFailed = invokeTask(ctx, 'ReleaseFailedContractLock', 'releaseLock', lockPayload(ctx));
  releaseFailed.addCatch(recordFailed, { resultPath: '$.releaseFailure' });
  releaseFailed.next(recordFailed);
  const plan = planTarget(ctx, 'PlanContract');
  plan.addCatch(recordFailed, { resultPath: FAILURE });
  const acquire = invokeTask(ctx, 'AcquireContractLock', 'acquireLock', lockPayload(ctx));
  acquire.addCatch(releaseFailed, { resultPath: FAILURE });
  const release = invokeTask(ctx, 'ReleaseContractLock', 'releaseLock', lockPayload(ctx));
  const recordContracted = recordStep(ctx, 'RecordTargetContracted', 'contracted');
  release.next(recordContracted).next(new sfn.Succeed(scope, 'TargetContracted'));
  const contract = schemaPhase(ctx, { phase: 'contract', onFailure: releaseFailed });
  contract.continueWith(release);
  acquire.next(contract.start);
  return plan.next(
    new sfn.Choice(scope, 'IsTargetExpanded')
      .when(
        sfn.Condition.booleanEquals('$.plan.run.expand', true),
        new sfn.Succeed(scope, 'TargetNotExpanded', {
          comment: 'its expand is not applied: the target failed and was rolled back',
        }),
      )
      .otherwise(acquire),
  );
}

/**
 * Undoing a stopped (or contract-less) rollout for one target: IsUndoRollback -> PlanUndo ->
 * RollbackTarget (what this execution applied; nothing when the target never got that far or holds no
 * lease of this execution) -> ReleaseUndoLock -> RecordTargetUndone (`rolled_back` or `held`).
 */
function targetUndo(ctx: WorkflowContext): sfn.IChainable {
  const { scope } = ctx;
  const release = invokeTask(ctx, 'ReleaseUndoLock', 'releaseLock', {
    'executionId.$': '$.executionId',
    'release.$': '$.input.release',
  });
  const record = invokeTask(ctx, 'RecordTargetUndone', 'fleetRecord', {
    'executionId.$': '$.executionId',
    'release.$': '$.input.release',
    'status.$': '$.mode',
  });
  release.next(record).next(new sfn.Succeed(scope, 'TargetUndone'));
  const plan = planTarget(ctx, 'PlanUndo');
  const rollback = invokeTask(
    ctx,
    'RollbackTarget',
    'rollback',
    { 'plan.$': '$.plan' },
    { lockTimeoutRetry: true },
  );
  // the lease is not this execution's: it never reached the target, or failed and gave it back
  rollback.addCatch(release, { errors: ['LeaseLost'], resultPath: '$.undoSkipped' });
  plan.next(rollback).next(release);
  return new sfn.Choice(scope, 'IsUndoRollback')
    .when(sfn.Condition.stringEquals('$.mode', 'rolled_back'), plan)
    .otherwise(release);
}

/**
 * Builds the fleet workflow (Standard, JSONPath): FleetPlan -> for each wave (the canary first, no
 * failure tolerated; then waves with the failure budget): PickWave -> RolloutWave, a Distributed Map
 * whose item is one target's rollout up to the gate -> NextWave -> MoreWaves -> [GateFleet, one gate for
 * the whole fleet] -> ContractFleet (a Distributed Map of each target's contract) -> FleetSucceeded. A
 * wave over its budget, or a canary failure, stops the rollout: UndoFleet holds or rolls back every
 * target (input `onFailure`) and the execution fails. Every Map item runs as a child execution with its
 * own event history, so the fleet's history stays small whatever its size (docs/fleet.md).
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 * @example
 * const definition = buildFleetDefinition(this, { ...workflowProps, maxConcurrency: 8, toleratedFailurePercentage: 10 });
 */
export function buildFleetDefinition(scope: Construct, props: FleetDefinitionProps): sfn.IChainable {
  const root = new Construct(scope, 'FleetWorkflow');
  const ctx: WorkflowContext = { scope: root, props };
  const item: WorkflowContext = { ...ctx, target: ITEM };
  const fleetFailed = new sfn.Fail(root, 'FleetFailed', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const fleetSucceeded = new sfn.Succeed(root, 'FleetSucceeded');
  const fleetPlan = invokeTask(
    ctx,
    'FleetPlan',
    'fleetPlan',
    {
      'input.$': '$',
      'executionId.$': '$$.Execution.Id',
      defaults: { toleratedFailurePercentage: props.toleratedFailurePercentage },
    },
    { fields: FLEET_PLAN_FIELDS, resultPath: '$.fleet' },
  );
  fleetPlan.addCatch(fleetFailed, { resultPath: FAILURE });

  // undo: every target held (its lease given back) or rolled back, then the end the execution earned
  const undo = fleetMap(ctx, 'UndoFleet', props, '$.fleet.targets', { 'mode.$': '$.undoMode' });
  undo.itemProcessor(targetUndo(item));
  undo.addCatch(fleetFailed, { resultPath: '$.undoFailure' });
  undo.next(
    new sfn.Choice(root, 'IsFleetFailed')
      .when(sfn.Condition.isPresent(FAILURE), fleetFailed)
      .otherwise(fleetSucceeded),
  );
  const undoBy = (id: string, mode: 'rolled_back' | 'held') =>
    new sfn.Pass(root, id, { result: sfn.Result.fromString(mode), resultPath: '$.undoMode' }).next(undo);
  const undoByRollback = undoBy('UndoByRollback', 'rolled_back');
  const undoByHold = undoBy('UndoByHold', 'held');

  const contractFleet = fleetMap(ctx, 'ContractFleet', props, '$.fleet.targets');
  contractFleet.itemProcessor(targetContract(item));
  contractFleet.addCatch(fleetFailed, { resultPath: FAILURE });
  contractFleet.next(fleetSucceeded);
  const shouldContract = new sfn.Choice(root, 'ShouldContractFleet')
    .when(sfn.Condition.booleanEquals('$.fleet.runContract', true), contractFleet)
    .otherwise(undoByHold);

  const gate = new tasks.LambdaInvoke(root, 'GateFleet', {
    lambdaFunction: props.functions.gate,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      taskToken: sfn.JsonPath.taskToken,
      'release.$': '$.fleet.release',
      gate: 'beforeContract',
      'executionId.$': '$$.Execution.Id',
      timeoutSeconds: props.gateTimeout.toSeconds(),
      'target.$': '$.fleet.gateTarget',
    }),
    taskTimeout: sfn.Timeout.duration(props.gateTimeout),
    heartbeatTimeout: props.gateHeartbeat ? sfn.Timeout.duration(props.gateHeartbeat) : undefined,
    retryOnServiceExceptions: false,
    resultPath: '$.fleetGate',
    comment: 'the fleet gate beforeContract: zerodown gate approve --release <release> (on the first target)',
  });
  gate.addRetry(SERVICE_RETRY).addRetry(DATABASE_UNAVAILABLE_RETRY);
  gate.addCatch(
    new sfn.Choice(root, 'ShouldRollbackOnFleetGateReject')
      .when(sfn.Condition.stringEquals('$.fleet.onGateReject', 'rollback'), undoByRollback)
      .otherwise(undoByHold),
    { resultPath: FAILURE },
  );
  gate.next(shouldContract);
  const shouldGate = new sfn.Choice(root, 'ShouldGateFleet')
    .when(sfn.Condition.booleanEquals('$.fleet.gate', true), gate)
    .otherwise(shouldContract);

  // the waves: the same Map state for each, its items and failure budget picked from $.fleet.waves
  const rollout = new sfn.DistributedMap(root, 'RolloutWave', {
    itemsPath: '$.current.wave.targets',
    itemSelector: ITEM_SELECTOR,
    maxConcurrency: props.maxConcurrency,
    toleratedFailurePercentagePath: '$.current.wave.toleratedFailurePercentage',
    resultPath: sfn.JsonPath.DISCARD,
    mapExecutionType: sfn.StateMachineType.STANDARD,
    label: 'RolloutWave',
  });
  rollout.itemProcessor(targetRollout(item));
  rollout.addCatch(
    new sfn.Choice(root, 'StopRollout')
      .when(sfn.Condition.stringEquals('$.fleet.onFailure', 'rollback'), undoByRollback)
      .otherwise(undoByHold),
    { resultPath: FAILURE },
  );
  const pickWave = new sfn.Pass(root, 'PickWave', {
    parameters: { 'wave.$': 'States.ArrayGetItem($.fleet.waves, $.waveAt.index)' },
    resultPath: '$.current',
  });
  const nextWave = new sfn.Pass(root, 'NextWave', {
    parameters: { 'index.$': 'States.MathAdd($.waveAt.index, 1)' },
    resultPath: '$.waveAt',
  });
  pickWave
    .next(rollout)
    .next(nextWave)
    .next(
      new sfn.Choice(root, 'MoreWaves')
        .when(sfn.Condition.numberLessThanJsonPath('$.waveAt.index', '$.fleet.waveCount'), pickWave)
        .otherwise(shouldGate),
    );
  const startWaves = new sfn.Pass(root, 'StartWaves', {
    parameters: { index: 0 },
    resultPath: '$.waveAt',
  });
  return fleetPlan.next(startWaves).next(pickWave);
}
