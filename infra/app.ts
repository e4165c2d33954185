import { App, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { MigrationOrchestrator, type MigrationOrchestratorProps } from './orchestrator.ts';

/** Options of the example stack. */
export interface ExampleStackProps extends StackProps {
  /** The migrations to bundle. @default 'migrations' */
  readonly migrationsDir?: string;
  /** Overrides of the orchestrator's props (tests use them). */
  readonly orchestrator?: Partial<
    Omit<MigrationOrchestratorProps, 'vpc' | 'databaseSecret' | 'databaseSecretArn'>
  >;
}

/**
 * The example application: a VPC, an encrypted Multi-AZ RDS for PostgreSQL 17 whose generated
 * credentials live in Secrets Manager, an encrypted SNS topic for gate notices and failures, and the
 * `MigrationOrchestrator` with a nightly contract schedule. Synthesized by the tests and by
 * `npx cdk synth`; never deployed here.
 *
 * @example
 * const stack = new ExampleStack(new App(), 'ZerodownExample');
 */
export class ExampleStack extends Stack {
  readonly orchestrator: MigrationOrchestrator;
  readonly database: rds.DatabaseInstance;
  readonly noticeTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: ExampleStackProps = {}) {
    super(scope, id, props);
    const flowLogs = new logs.LogGroup(this, 'VpcFlowLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) } },
    });
    this.database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      credentials: rds.Credentials.fromGeneratedSecret('zerodown_admin'),
      databaseName: 'app',
      multiAz: true,
      storageEncrypted: true,
      deletionProtection: true,
      backupRetention: Duration.days(7),
      iamAuthentication: true,
      cloudwatchLogsExports: ['postgresql'],
      // TLS only: the tasks connect with verify-full
      parameters: { 'rds.force_ssl': '1' },
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    this.database.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'The example keeps PostgreSQL on 5432: it is only reachable from the task security group inside the VPC.',
    });
    const key = new kms.Key(this, 'NoticeKey', {
      enableKeyRotation: true,
      description: 'zerodown notices (SNS)',
    });
    // EventBridge publishes failed executions to the encrypted topic
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.noticeTopic = new sns.Topic(this, 'Notices', {
      displayName: 'zerodown gates and failures',
      masterKey: key,
      enforceSSL: true,
    });
    this.orchestrator = new MigrationOrchestrator(this, 'Migrations', {
      vpc,
      databaseSecret: this.database.secret!,
      migrationsDir: props.migrationsDir ?? 'migrations',
      noticeTopic: this.noticeTopic,
      contractSchedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
      gateTimeout: Duration.hours(24),
      ...props.orchestrator,
    });
    this.database.connections.allowDefaultPortFrom(this.orchestrator, 'zerodown tasks');
    new CfnOutput(this, 'StateMachineArn', {
      value: this.orchestrator.stateMachine.stateMachineArn,
      description: 'zerodown start --state-machine-arn (or ZERODOWN_STATE_MACHINE_ARN)',
    });
    new CfnOutput(this, 'GateFunctionName', {
      value: this.orchestrator.functions.gate.functionName,
      description:
        'zerodown gate approve|reject|heartbeat --gate-function (or ZERODOWN_GATE_FUNCTION): decide gates without database access',
    });
  }
}

/**
 * The example CDK app (`cdk.json` runs it through infra/synth.ts). The local runner calls it with
 * `{ 'aws:cdk:bundling-stacks': [] }`: asset bundling skipped, the template is all it needs.
 *
 * @example
 * const app = buildExampleApp({ 'aws:cdk:bundling-stacks': [] });
 * const template = app.synth().getStackByName('ZerodownExample').template;
 */
export function buildExampleApp(context?: Record<string, unknown>, props: ExampleStackProps = {}): App {
  const app = new App({ context });
  new ExampleStack(app, 'ZerodownExample', {
    description: 'zerodown example: PostgreSQL and the migration workflow',
    ...props,
  });
  return app;
}
