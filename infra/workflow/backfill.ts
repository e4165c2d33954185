import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { RESULT_FIELDS } from '../../lambdas/events.ts';
import type { WorkflowContext, WorkflowStage } from './context.ts';
import {
  DATABASE_UNAVAILABLE_RETRY,
  FAILURE,
  invokeTask,
  LOCK_TIMEOUT_RETRY,
  PLAN_PAYLOAD,
  SERVICE_RETRY,
  selectPayload,
} from './task-state.ts';
import type { WaysOut } from './ways-out.ts';

/**
 * One partition: BackfillChunk until IsPartitionDone. A failure ends the item with its error
 * (PartitionFailed), which FinishBackfills raises again, so inline and distributed Maps fail the same
 * way with the same cause.
 */
function partitionLoop(ctx: WorkflowContext): sfn.IChainable {
  const { scope, props } = ctx;
  const chunk = new tasks.LambdaInvoke(scope, 'BackfillChunk', {
    lambdaFunction: props.functions.backfillChunk,
    payload: sfn.TaskInput.fromJsonPathAt('$'),
    retryOnServiceExceptions: false,
    resultSelector: selectPayload(RESULT_FIELDS.backfillChunk),
    comment: 'zerodown task backfillChunk',
  });
  chunk.addRetry(SERVICE_RETRY).addRetry(DATABASE_UNAVAILABLE_RETRY).addRetry(LOCK_TIMEOUT_RETRY);
  const partitionFailed = new sfn.Pass(scope, 'PartitionFailed', {
    parameters: { 'job.$': '$.job', failed: true, 'failure.$': FAILURE },
  });
  chunk.addCatch(partitionFailed, { resultPath: FAILURE });
  return chunk.next(
    new sfn.Choice(scope, 'IsPartitionDone')
      .when(sfn.Condition.booleanEquals('$.done', true), new sfn.Succeed(scope, 'PartitionDone'))
      .otherwise(chunk),
  );
}

/**
 * The backfill: ShouldBackfill (is it in `$.plan.run`?) -> PrepareBackfill (installs sync triggers,
 * splits each backfill into key-range partitions: `$.backfill.jobs`) -> Backfill, a Map with one
 * partition loop per job (`distributed`: each a child execution with its own 25,000-event history) ->
 * FinishBackfills (raises a partition's failure again). Any failure goes to Rollback.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 * @example
 * const backfill = backfillStage(ctx, exits);
 */
export function backfillStage(ctx: WorkflowContext, exits: WaysOut): WorkflowStage {
  const { scope, props } = ctx;
  const prepareBackfill = invokeTask(ctx, 'PrepareBackfill', 'prepareBackfill', PLAN_PAYLOAD, {
    fields: RESULT_FIELDS.prepareBackfill,
    resultPath: '$.backfill',
    lockTimeoutRetry: true,
  });
  const finishBackfills = invokeTask(
    ctx,
    'FinishBackfills',
    'finishBackfills',
    { ...PLAN_PAYLOAD, 'results.$': '$.backfill.results' },
    { fields: RESULT_FIELDS.finishBackfills, resultPath: '$.backfill', lockTimeoutRetry: true },
  );
  const mapProps = {
    itemsPath: '$.backfill.jobs',
    itemSelector: {
      'job.$': '$$.Map.Item.Value',
      'executionId.$': '$.plan.executionId',
      'release.$': '$.plan.release',
      ...ctx.target?.payload,
    },
    maxConcurrency: props.maxPartitions,
    resultPath: '$.backfill.results',
  };
  const backfill =
    props.backfillMap === 'distributed'
      ? new sfn.DistributedMap(scope, 'Backfill', {
          ...mapProps,
          mapExecutionType: sfn.StateMachineType.STANDARD,
          label: 'Backfill',
        })
      : new sfn.Map(scope, 'Backfill', mapProps);
  backfill.itemProcessor(partitionLoop(ctx));
  for (const step of [prepareBackfill, backfill, finishBackfills]) {
    step.addCatch(exits.rollback, { resultPath: FAILURE });
  }
  prepareBackfill.next(backfill);
  backfill.next(finishBackfills);
  const should = new sfn.Choice(scope, 'ShouldBackfill');
  return {
    start: should,
    continueWith(next) {
      finishBackfills.next(next);
      should.when(sfn.Condition.booleanEquals('$.plan.run.backfill', true), prepareBackfill).otherwise(next);
    },
  };
}
