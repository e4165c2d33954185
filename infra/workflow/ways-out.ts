import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RESULT_FIELDS } from '../../lambdas/events.ts';
import type { WorkflowContext } from './context.ts';
import { FAILURE, invokeTask, lockPayload, PLAN_PAYLOAD } from './task-state.ts';

/** The states every stage may end in: the ends of the workflow, ReleaseLock before them, and Rollback. */
export interface WaysOut {
  /** The end of a dry run, a skipped execution and a release that went through. */
  readonly succeeded: sfn.State;
  /** Fails with `$.failure` (Error and Cause of the catch that led there). */
  readonly failed: sfn.State;
  /** Every way out after AcquireLock passes here; then the execution ends as `$.failure` says. */
  readonly releaseLock: sfn.State;
  /** Undoes what this execution applied (newest first), then ReleaseLock. */
  readonly rollback: sfn.State;
  /** Where a rejected or timed-out gate goes: Rollback if the input says so, else ReleaseLock. */
  readonly gateFailure: sfn.Choice;
  /**
   * Wires Rollback and the gate failure choice to ReleaseLock. Called last, once the stages have
   * caught into them, so that the rendered definition keeps its order.
   */
  close(): void;
}

/**
 * The failure paths, rollback and lock release: ReleaseLock -> IsExecutionFailed -> Succeeded, Failed
 * (the failure that led there) or LockNotReleased (ReleaseLock itself failed after its retries);
 * Rollback -> ReleaseLock whether it succeeds or fails; ShouldRollbackOnGateReject chooses between them
 * after a gate failure (`onGateReject: rollback`). A fleet target's processor gives its own `ends`
 * (recording the target's outcome before it ends).
 *
 * @example
 * const exits = buildWaysOut(ctx);
 * expand.addCatch(exits.rollback, { resultPath: FAILURE });
 * exits.close();
 */
export function buildWaysOut(
  ctx: WorkflowContext,
  ends?: { readonly succeeded: sfn.State; readonly failed: sfn.State },
): WaysOut {
  const { scope } = ctx;
  const succeeded = ends?.succeeded ?? new sfn.Succeed(scope, 'Succeeded');
  const failed =
    ends?.failed ??
    new sfn.Fail(scope, 'Failed', {
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    });
  const lockNotReleased = new sfn.Fail(scope, 'LockNotReleased', {
    errorPath: '$.releaseFailure.Error',
    causePath: '$.releaseFailure.Cause',
  });
  const releaseLock = invokeTask(ctx, 'ReleaseLock', 'releaseLock', lockPayload(ctx));
  const rollback = invokeTask(
    ctx,
    'Rollback',
    'rollback',
    { ...PLAN_PAYLOAD, 'failure.$': FAILURE },
    { fields: RESULT_FIELDS.rollback, resultPath: '$.rollback', lockTimeoutRetry: true },
  );
  const isExecutionFailed = new sfn.Choice(scope, 'IsExecutionFailed')
    .when(sfn.Condition.isPresent(FAILURE), failed)
    .when(sfn.Condition.isPresent('$.releaseFailure'), lockNotReleased)
    .otherwise(succeeded);
  releaseLock.addCatch(isExecutionFailed, { resultPath: '$.releaseFailure' });
  releaseLock.next(isExecutionFailed);
  // made when a gate stage asks for it: a fleet target's stages have no gate, and an unused Choice
  // would still be rendered
  let gateFailure: sfn.Choice | undefined;
  return {
    succeeded,
    failed,
    releaseLock,
    rollback,
    get gateFailure() {
      gateFailure ??= new sfn.Choice(scope, 'ShouldRollbackOnGateReject');
      return gateFailure;
    },
    close() {
      rollback.addCatch(releaseLock, { resultPath: FAILURE });
      rollback.next(releaseLock);
      gateFailure
        ?.when(sfn.Condition.stringEquals('$.plan.onGateReject', 'rollback'), rollback)
        .otherwise(releaseLock);
    },
  };
}
