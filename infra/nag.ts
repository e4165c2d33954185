import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/** What the orchestrator's cdk-nag acknowledgements are about. */
export interface NagSubjects {
  readonly orchestrator: Construct;
  readonly stateMachine: sfn.StateMachine;
  readonly functions: readonly lambda.IFunction[];
  /** Each task function's role; the gate's publishes to an encrypted topic. */
  readonly roles: readonly iam.IRole[];
  readonly gateRole: iam.IRole;
  readonly encryptedTopic: boolean;
  readonly distributedMap: boolean;
}

const IAM5 = 'AwsSolutions-IAM5';

/** How cdk-nag names a resource finding of IAM5 (tokens rendered as `<LogicalId.Attribute>`). */
function resourceFinding(resource: string): string {
  return `${IAM5}[Resource::${resource}]`;
}

/**
 * Acknowledges the cdk-nag AwsSolutions findings the orchestrator cannot avoid, each one by its exact
 * finding id and with the reason. Everything else in the pack passes (test/infra/nag.test.ts).
 *
 * @example
 * acknowledgeOrchestratorFindings({ orchestrator: this, stateMachine, functions, roles, gateRole, encryptedTopic: false, distributedMap: true });
 */
export function acknowledgeOrchestratorFindings(subjects: NagSubjects): void {
  Validations.of(subjects.orchestrator).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'The task functions run on Node.js 22 on purpose: the runtime the project is built and tested for (the issue pins it).',
  });
  for (const role of subjects.roles) {
    Validations.of(role).acknowledge({
      id: resourceFinding('*'),
      reason:
        'Only actions without resource-level permissions have "*": ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets (Lambda in a VPC) and xray:PutTraceSegments/PutTelemetryRecords (active tracing). The other network-interface actions, the database secret, its key and the log group are granted by ARN.',
    });
    Validations.of(role).acknowledge({
      id: resourceFinding('arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*'),
      reason:
        "Lambda creates, deletes and (un)assigns addresses of the function's network interfaces, whose ids it generates: any network interface of this account and region, created only in the task subnets with the task security groups (those are named by ARN).",
    });
  }
  if (subjects.encryptedTopic) {
    Validations.of(subjects.gateRole).acknowledge({
      id: `${IAM5}[Action::kms:GenerateDataKey*]`,
      reason:
        'Publishing to the KMS-encrypted notice topic needs GenerateDataKey* (its variants) on that one key, as grantPublish grants it.',
    });
  }
  const stack = Stack.of(subjects.stateMachine);
  const machineRole = subjects.stateMachine.role;
  for (const fn of subjects.functions) {
    const logicalId = stack.getLogicalId(fn.node.defaultChild as never);
    Validations.of(machineRole).acknowledge({
      id: resourceFinding(`<${logicalId}.Arn>:*`),
      reason:
        'lambda:InvokeFunction on the task function and its versions/aliases (":*"), as LambdaInvoke grants it; no other function.',
    });
  }
  Validations.of(machineRole).acknowledge({
    id: resourceFinding('*'),
    reason:
      'Step Functions logging (logs:CreateLogDelivery, …) and X-Ray (xray:PutTraceSegments, …) do not support resource-level permissions.',
  });
  if (subjects.distributedMap) {
    const machine = stack.getLogicalId(subjects.stateMachine.node.defaultChild as never);
    const execution = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machine}"}]}]}`;
    for (const resource of [`${execution}:*`, `${execution}/Backfill:*`]) {
      Validations.of(subjects.stateMachine).acknowledge({
        id: resourceFinding(resource),
        reason:
          'The Distributed Map starts, describes and stops child executions of this state machine only; their names are generated, hence the wildcard after the state machine name.',
      });
    }
  }
}
