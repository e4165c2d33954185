import { Arn, ArnFormat, AssetHashType, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/aws/deps.ts';
import { type AnyTaskName, type FleetTaskName, TASK_NAMES, type TaskName } from '../lambdas/task-handlers.ts';
import { bundleTask } from './bundle.ts';

/** How long each task's function may run. Schema and backfill work stop well before (statement timeout, budgets). */
export const TASK_TIMEOUTS: Readonly<Record<AnyTaskName, Duration>> = {
  plan: Duration.minutes(5),
  acquireLock: Duration.minutes(1),
  expand: Duration.minutes(15),
  gate: Duration.minutes(1),
  prepareBackfill: Duration.minutes(15),
  backfillChunk: Duration.minutes(15),
  finishBackfills: Duration.minutes(5),
  contract: Duration.minutes(15),
  rollback: Duration.minutes(15),
  releaseLock: Duration.minutes(1),
  fleetPlan: Duration.minutes(1),
  fleetRecord: Duration.minutes(1),
};

/**
 * kms:Decrypt on the secret's key, only when Secrets Manager asks for it (`kms:ViaService`, in the key's
 * region, which is the secret's). Written into the role's policy: `secret.grantRead` and
 * `key.grantDecrypt(new kms.ViaServicePrincipal(…))` grant nothing for a key imported by ARN, since they
 * can only add to its key policy.
 *
 * @example
 * role.addToPrincipalPolicy(decryptThroughSecretsManager(kms.Key.fromKeyArn(this, 'Key', keyArn)));
 */
export function decryptThroughSecretsManager(key: kms.IKey): iam.PolicyStatement {
  const { region } = Arn.split(key.keyArn, ArnFormat.SLASH_RESOURCE_NAME);
  return new iam.PolicyStatement({
    actions: ['kms:Decrypt'],
    resources: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
  });
}

/**
 * What Lambda needs to connect a function to the VPC, scoped as far as EC2 allows: it creates the
 * function's network interfaces in the task subnets with the task security groups, and deletes and
 * (un)assigns addresses of network interfaces of this account and region (their ids are generated, hence
 * `network-interface/*`). Only the two Describe actions have no resource-level permissions (`*`).
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
 * @example
 * for (const statement of vpcNetworkInterfaceStatements(this, props)) role.addToPolicy(statement);
 */
export function vpcNetworkInterfaceStatements(
  scope: Construct,
  props: Pick<TaskFunctionsProps, 'vpc' | 'vpcSubnets' | 'securityGroups'>,
): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const ec2Arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'ec2', resource, resourceName });
  const networkInterfaces = ec2Arn('network-interface', '*');
  return [
    new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        networkInterfaces,
        ...props.vpc.selectSubnets(props.vpcSubnets).subnetIds.map((id) => ec2Arn('subnet', id)),
        ...props.securityGroups.map((group) => ec2Arn('security-group', group.securityGroupId)),
      ],
    }),
    new iam.PolicyStatement({
      actions: [
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: [networkInterfaces],
    }),
    new iam.PolicyStatement({
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      resources: ['*'],
    }),
  ];
}

/** What the task functions are built from. */
export interface TaskFunctionsProps {
  /** Absolute path of the migrations directory to bundle. */
  readonly migrationsDir: string;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  /** The database secrets the tasks may read: the one database's, or every fleet target's. */
  readonly secrets: readonly secretsmanager.ISecret[];
  /** The tasks to build. @default TASK_NAMES (the single-database workflow) */
  readonly tasks?: readonly AnyTaskName[];
  /** The customer-managed key of the secrets: kms:Decrypt through Secrets Manager. */
  readonly secretKey?: kms.IKey;
  /** Environment shared by every task (settings, database options). */
  readonly environment: Readonly<Record<string, string>>;
  /** Gate notices go here (the gate function may publish, nothing else). */
  readonly noticeTopic?: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
  /** Ship source maps with the handlers and turn on `--enable-source-maps`. @default false */
  readonly sourceMaps?: boolean;
}

/**
 * A task's code: bundled on this machine by esbuild (never in Docker: the image named is required by
 * CDK's API and never pulled), with the migrations. The asset's hash is the output's, so a changed
 * migration, handler or setting makes a new asset.
 */
function taskCode(task: AnyTaskName, props: TaskFunctionsProps): lambda.Code {
  return lambda.Code.fromAsset(props.migrationsDir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundleTask({ task, migrationsDir: props.migrationsDir, outputDir, sourceMap: props.sourceMaps });
          return true;
        },
      },
    },
  });
}

/**
 * One Lambda function per workflow task (Node.js 22, arm64, bundled by esbuild on this machine with the
 * migrations), each with its own role: write to its own log group, manage its VPC interfaces, send
 * X-Ray traces, read the one database secret (and decrypt it, when its key is customer-managed), and
 * (the gate only) publish to the notice topic.
 *
 * @example
 * const { functions } = new TaskFunctions(this, 'Tasks', { migrationsDir, vpc, securityGroups, secret, environment, logRetention });
 */
export class TaskFunctions extends Construct {
  readonly functions: Readonly<Record<TaskName, lambda.Function>> &
    Readonly<Partial<Record<FleetTaskName, lambda.Function>>>;

  constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    const functions: Partial<Record<AnyTaskName, lambda.Function>> = {};
    const networkInterfaceStatements = vpcNetworkInterfaceStatements(this, props);
    for (const task of props.tasks ?? TASK_NAMES) {
      const name = task.charAt(0).toUpperCase() + task.slice(1);
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `zerodown ${task} task`,
      });
      logGroup.grantWrite(role);
      for (const statement of networkInterfaceStatements) role.addToPolicy(statement);
      for (const secret of props.secrets) secret.grantRead(role);
      if (props.secretKey) role.addToPrincipalPolicy(decryptThroughSecretsManager(props.secretKey));
      if (task === 'gate') props.noticeTopic?.grantPublish(role);
      const fn = new lambda.Function(this, `${name}Function`, {
        code: taskCode(task, props),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 512,
        timeout: TASK_TIMEOUTS[task],
        role,
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets,
        securityGroups: props.securityGroups,
        description: `zerodown workflow task ${task}`,
        environment: {
          ...props.environment,
          [ENV.task]: task,
          [ENV.migrationsDir]: 'migrations',
          // the Amazon RDS certificate authorities, for TLS with verify-full
          NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
          ...(props.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
          POWERTOOLS_SERVICE_NAME: 'zerodown',
        },
      });
      functions[task] = fn;
    }
    this.functions = functions as Record<TaskName, lambda.Function>;
  }
}
