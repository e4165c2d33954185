import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RESULT_FIELDS } from '../../lambdas/events.ts';
import type { WorkflowContext, WorkflowStage } from './context.ts';
import { executionIdPath, FAILURE, invokeTask, lockPayload } from './task-state.ts';
import type { WaysOut } from './ways-out.ts';

/**
 * The first stage: Plan (validates the input, loads and lints the migrations; a failure goes straight
 * to Failed, no lock taken) -> IsDryRun (a dry run ends in Succeeded) -> AcquireLock. A lock held by
 * another execution fails the execution, or with `ifLocked: skip` (the contract schedule) ends it as
 * succeeded with `skipped` naming the holder (ShouldSkipWhileLocked, SkipWhileLocked); both still pass
 * ReleaseLock, which leaves a lock this execution does not hold alone.
 *
 * @example
 * const start = planAndLock(ctx, exits); // start.start is Plan
 */
export function planAndLock(ctx: WorkflowContext, exits: WaysOut): WorkflowStage {
  const { scope } = ctx;
  const plan = invokeTask(
    ctx,
    'Plan',
    'plan',
    { 'input.$': ctx.target?.inputPath ?? '$', 'executionId.$': executionIdPath(ctx) },
    { fields: RESULT_FIELDS.plan, resultPath: '$.plan' },
  );
  const acquireLock = invokeTask(ctx, 'AcquireLock', 'acquireLock', lockPayload(ctx));
  plan.addCatch(exits.failed, { resultPath: FAILURE });
  const skipWhileLocked = new sfn.Pass(scope, 'SkipWhileLocked', {
    comment: 'the lock is held elsewhere and the input says ifLocked: skip',
    parameters: { 'plan.$': '$.plan', 'skipped.$': FAILURE, ...ctx.target?.payload },
  });
  skipWhileLocked.next(exits.releaseLock);
  acquireLock.addCatch(
    new sfn.Choice(scope, 'ShouldSkipWhileLocked')
      .when(sfn.Condition.stringEquals('$.plan.ifLocked', 'skip'), skipWhileLocked)
      .otherwise(exits.releaseLock),
    { errors: ['LockHeld'], resultPath: FAILURE },
  );
  acquireLock.addCatch(exits.releaseLock, { resultPath: FAILURE });
  const isDryRun = new sfn.Choice(scope, 'IsDryRun')
    .when(sfn.Condition.booleanEquals('$.plan.dryRun', true), exits.succeeded)
    .otherwise(acquireLock);
  plan.next(isDryRun);
  return {
    start: plan,
    continueWith(next) {
      acquireLock.next(next);
    },
  };
}
