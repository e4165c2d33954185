import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { WorkflowContext, WorkflowStage } from './context.ts';
import { DATABASE_UNAVAILABLE_RETRY, FAILURE, SERVICE_RETRY } from './task-state.ts';
import type { WaysOut } from './ways-out.ts';

/** The deploy gates, by the name the input's `gates` gives them. */
export type GateName = 'afterExpand' | 'beforeContract';

/**
 * A deploy gate: ShouldGate<Name> (is `$.plan.gates.<name>` true?) -> Gate<Name>, a
 * `lambda:invoke.waitForTaskToken` of the gate function, which records the task token and emits the
 * notice; `zerodown gate approve|reject` resumes it. It times out after `gateTimeout` (and, with
 * `gateHeartbeat`, without a heartbeat); a rejection or a timeout goes to ShouldRollbackOnGateReject.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
 * @example
 * const afterExpand = deployGate(ctx, exits, 'afterExpand');
 */
export function deployGate(ctx: WorkflowContext, exits: WaysOut, name: GateName): WorkflowStage {
  const { scope, props } = ctx;
  const title = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  const gate = new tasks.LambdaInvoke(scope, `Gate${title}`, {
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
  gate.addRetry(SERVICE_RETRY).addRetry(DATABASE_UNAVAILABLE_RETRY);
  gate.addCatch(exits.gateFailure, { resultPath: FAILURE });
  const should = new sfn.Choice(scope, `ShouldGate${title}`);
  return {
    start: should,
    continueWith(next) {
      gate.next(next);
      should.when(sfn.Condition.booleanEquals(`$.plan.gates.${name}`, true), gate).otherwise(next);
    },
  };
}
