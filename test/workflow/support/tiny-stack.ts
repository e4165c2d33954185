import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';

/** How the tiny machine's Map runs. */
export type TinyMapMode = 'inline' | 'distributed' | 'distributed-with-reader';

/**
 * A small stack shaped like the orchestrator's (Lambda tasks tagged with ZERODOWN_TASK, a callback
 * gate, a Map over jobs looping a chunk task on `$.done`), to test the local runner's extraction,
 * guard and harness without depending on the real construct.
 */
export function tinyTemplate(
  mode: TinyMapMode = 'inline',
  options: { gateHeartbeatSeconds?: number } = {},
): object {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Tiny');
  const fn = (id: string, task: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      timeout: Duration.seconds(30),
      environment: { ZERODOWN_TASK: task },
    });
  const plan = new tasks.LambdaInvoke(stack, 'Plan', {
    lambdaFunction: fn('PlanFunction', 'plan'),
    payload: sfn.TaskInput.fromObject({
      'input.$': '$',
      'executionId.$': '$$.Execution.Id',
    }),
    resultSelector: { 'jobs.$': '$.Payload.jobs', 'release.$': '$.Payload.release' },
    resultPath: '$.plan',
  });
  const gate = new tasks.LambdaInvoke(stack, 'GateAfterExpand', {
    lambdaFunction: fn('GateFunction', 'gate'),
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      taskToken: sfn.JsonPath.taskToken,
      'release.$': '$.plan.release',
      gate: 'afterExpand',
      'executionId.$': '$$.Execution.Id',
    }),
    taskTimeout: sfn.Timeout.duration(Duration.hours(1)),
    heartbeatTimeout: options.gateHeartbeatSeconds
      ? sfn.Timeout.duration(Duration.seconds(options.gateHeartbeatSeconds))
      : undefined,
    resultPath: '$.gateResult',
  });
  const chunk = new tasks.LambdaInvoke(stack, 'BackfillChunk', {
    lambdaFunction: fn('ChunkFunction', 'backfillChunk'),
    payloadResponseOnly: false,
    resultSelector: { 'job.$': '$.Payload.job', 'done.$': '$.Payload.done' },
  });
  const loop = chunk.next(
    new sfn.Choice(stack, 'IsChunkDone')
      .when(sfn.Condition.booleanEquals('$.done', true), new sfn.Succeed(stack, 'PartitionDone'))
      .otherwise(chunk),
  );
  const itemSelector = { 'job.$': '$$.Map.Item.Value', 'executionId.$': '$.executionId' };
  const map =
    mode === 'inline'
      ? new sfn.Map(stack, 'Backfill', {
          itemsPath: '$.plan.jobs',
          itemSelector,
          maxConcurrency: 2,
          resultPath: sfn.JsonPath.DISCARD,
        })
      : new sfn.DistributedMap(stack, 'Backfill', {
          itemsPath: mode === 'distributed' ? '$.plan.jobs' : undefined,
          itemReader:
            mode === 'distributed-with-reader'
              ? new sfn.S3JsonItemReader({ bucketNamePath: '$.bucket', key: 'jobs.json' })
              : undefined,
          itemSelector,
          maxConcurrency: 2,
          resultPath: sfn.JsonPath.DISCARD,
        });
  map.itemProcessor(loop);
  const failed = new sfn.Fail(stack, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  map.addCatch(failed, { resultPath: '$.error' });
  const definition = sfn.Chain.start(
    new sfn.Pass(stack, 'AddExecutionId', {
      parameters: { 'release.$': '$.release', 'executionId.$': '$$.Execution.Id' },
    }),
  )
    .next(plan)
    .next(gate)
    .next(map)
    .next(new sfn.Succeed(stack, 'Succeeded'));
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
  return app.synth().getStackByName('Tiny').template;
}
