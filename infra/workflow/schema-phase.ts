import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RESULT_FIELDS } from '../../lambdas/events.ts';
import type { WorkflowContext, WorkflowStage } from './context.ts';
import { FAILURE, invokeTask, PLAN_PAYLOAD } from './task-state.ts';

/** Which schema phase a {@link schemaPhase} stage applies, and where its failure goes. */
export interface SchemaPhaseOptions {
  readonly phase: 'expand' | 'contract';
  /** Expand fails into Rollback; Contract into ReleaseLock (no automatic down of a contract). */
  readonly onFailure: sfn.State;
}

/**
 * A schema phase: Should<Phase> (is it in `$.plan.run`?) -> <Phase> -> Is<Phase>Done, which loops
 * through WaitFor<Phase>IndexBuild back to <Phase> while a detached CREATE INDEX CONCURRENTLY or
 * VALIDATE CONSTRAINT outlasts the task (`done: false`); each look is a new invocation, so a long build
 * never meets the Lambda limit. LockTimeout is retried: the phase takes DDL locks.
 *
 * @example
 * const expand = schemaPhase(ctx, { phase: 'expand', onFailure: exits.rollback });
 */
export function schemaPhase(ctx: WorkflowContext, options: SchemaPhaseOptions): WorkflowStage {
  const { scope, props } = ctx;
  const name = options.phase === 'expand' ? 'Expand' : 'Contract';
  const task = invokeTask(ctx, name, options.phase, PLAN_PAYLOAD, {
    fields: RESULT_FIELDS.schemaPhase,
    resultPath: `$.${options.phase}`,
    lockTimeoutRetry: true,
  });
  task.addCatch(options.onFailure, { resultPath: FAILURE });
  const should = new sfn.Choice(scope, `Should${name}`);
  const poll = new sfn.Wait(scope, `WaitFor${name}IndexBuild`, {
    time: sfn.WaitTime.duration(props.indexBuildPollInterval),
  });
  return {
    start: should,
    continueWith(next) {
      should.when(sfn.Condition.booleanEquals(`$.plan.run.${options.phase}`, true), task).otherwise(next);
      poll.next(task);
      task.next(
        new sfn.Choice(scope, `Is${name}Done`)
          .when(sfn.Condition.booleanEquals(`$.${options.phase}.done`, true), next)
          .otherwise(poll),
      );
    },
  };
}
