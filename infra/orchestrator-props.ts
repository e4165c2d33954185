import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { DatabaseTls } from '../lambdas/aws/database-secret.ts';
import type { BackfillMapMode } from './state-machine.ts';

/**
 * The fleet mode of {@link MigrationOrchestrator}: one release across many databases (tenants, shards,
 * regions), a canary first, then waves within a failure budget, one gate for the whole fleet.
 * @see docs/fleet.md
 */
export interface FleetProps {
  /**
   * The secrets of the fleet's targets (RDS-style JSON each, like `databaseSecret`): the task functions
   * may read these and no other; a target of the execution input names one by `secretArn`.
   */
  readonly targetSecrets: readonly secretsmanager.ISecret[];
  /**
   * Targets rolled out at once in a wave (the Distributed Maps' MaxConcurrency).
   * @default 8
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
   */
  readonly maxConcurrency?: number;
  /**
   * Failed targets a wave (after the canary) tolerates, in percent of the wave, when the execution
   * input does not say (`toleratedFailurePercentage`). Above it the rollout stops.
   * @default 10
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
   */
  readonly toleratedFailurePercentage?: number;
}

/** Properties of {@link MigrationOrchestrator}. */
export interface MigrationOrchestratorProps {
  /**
   * Deploys the fleet workflow instead of the single-database one: its targets come from the execution
   * input and reach their databases through `targetSecrets`; `databaseSecret` is then not given.
   * @default - one database, `databaseSecret`
   */
  readonly fleet?: FleetProps;
  /**
   * The database secret: RDS-style JSON `{ host, port, username, password, dbname }` (what RDS, Aurora and
   * `rds.DatabaseSecret` store). Give this or `databaseSecretArn`. The tasks may read this secret and no other.
   * @default - `databaseSecretArn` is required
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html
   */
  readonly databaseSecret?: secretsmanager.ISecret;
  /**
   * The ARN of the database secret, when it is not defined in this app (complete ARN, with its random
   * suffix, or a partial one).
   * @default - `databaseSecret` is required
   */
  readonly databaseSecretArn?: string;
  /**
   * The customer-managed KMS key the database secret is encrypted with. Every task function reads the
   * secret, so each gets `kms:Decrypt` on this key in its role's policy, only through Secrets Manager
   * (`kms:ViaService`). Give it with `databaseSecretArn`, or with a `databaseSecret` imported without its
   * key; the `encryptionKey` a `databaseSecret` carries is granted the same way without repeating it
   * here. The key policy must let IAM policies of this account use the key (the default key policy
   * does), e.g. `kms.Key.fromKeyArn(this, 'DbSecretKey', 'arn:aws:kms:eu-west-1:123456789012:key/…')`.
   * @default - the `encryptionKey` of `databaseSecret`; none (the AWS managed key `aws/secretsmanager`,
   * which needs no grant) for a secret given by ARN
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
   */
  readonly databaseSecretKey?: kms.IKey;
  /**
   * The VPC the task functions run in (they connect to the database from there).
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
   */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the task functions. Besides the database, they need a route (a NAT gateway, or the
   * interface VPC endpoints of `vpcEndpoints`) to every AWS API a task calls: Secrets Manager
   * (`com.amazonaws.<region>.secretsmanager`, every task reads the database secret), Step Functions
   * (`…states`, the gate function sends SendTaskSuccess/Failure/Heartbeat for decisions sent to it) and
   * SNS (`…sns`, the gate publishes its notice when `noticeTopic` is set). Logs and the traces Lambda
   * records go through the Lambda service, and Secrets Manager calls KMS itself: no route for those.
   * @default - the VPC's private subnets with egress
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Creates an interface VPC endpoint (private DNS, 443 from the task functions only) for every AWS API
   * the tasks call, in the task subnets: Secrets Manager, Step Functions, and SNS when `noticeTopic` is
   * set. For subnets without a NAT route; a VPC that already has these endpoints (private DNS is one
   * per VPC and service) leaves this off.
   * @default false
   * @see https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
   */
  readonly vpcEndpoints?: boolean;
  /**
   * Security groups of the task functions. Allow them into the database (`orchestrator.connections`).
   * @default - a new security group with outbound access only
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * The migrations directory, bundled with every task function (`.ts` and `.js` migrations compiled at
   * synth). Relative paths are taken from the working directory of the synth.
   * @default 'migrations'
   */
  readonly migrationsDir?: string;
  /**
   * `lock_timeout` of every statement: a DDL never waits behind a long transaction longer than this
   * (and is retried with backoff).
   * @default Duration.millis(500)
   * @see https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT
   */
  readonly lockTimeout?: Duration;
  /**
   * `statement_timeout` of the tasks' statements; must stay below the 15 minute Lambda limit. Long
   * CREATE INDEX CONCURRENTLY builds are not bound by it (they run on their own session and are polled).
   * @default Duration.minutes(10)
   * @see https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-STATEMENT-TIMEOUT
   */
  readonly statementTimeout?: Duration;
  /**
   * The batch duration adaptive backfill sizing aims at (a backfill spec's `targetBatchMs` wins).
   * @default Duration.millis(200)
   */
  readonly backfillTargetBatch?: Duration;
  /**
   * Key-range partitions per backfill (unless its spec says) and how many run at once.
   * @default 4
   */
  readonly maxPartitions?: number;
  /**
   * The longest one BackfillChunk invocation works (also how long Expand/Contract wait on an index
   * build per invocation). Longer chunks mean fewer history events; see docs/workflow.md.
   * @default Duration.minutes(5)
   */
  readonly chunkBudget?: Duration;
  /**
   * How long the lease outlives the last task that renewed it (a crashed execution frees the lock
   * after this). The gate task renews it for the whole gate wait.
   * @default Duration.minutes(30)
   */
  readonly leaseTtl?: Duration;
  /**
   * How long a deploy gate waits for `zerodown gate approve|reject` (the gate state's TimeoutSeconds);
   * then it fails with States.Timeout.
   * @default Duration.hours(24)
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
   */
  readonly gateTimeout?: Duration;
  /**
   * When set, a gate also fails unless SendTaskHeartbeat comes this often (HeartbeatSeconds): for
   * pipelines that keep a job alive while they deploy. Must be shorter than `gateTimeout`.
   * @default - no heartbeat
   * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html
   */
  readonly gateHeartbeat?: Duration;
  /**
   * Where gate notices (with the approve command) and failed, timed-out or aborted executions are
   * published. If the topic is encrypted with a KMS key, that key must let EventBridge use it.
   * @default - notices only in the gate function's log
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
   */
  readonly noticeTopic?: sns.ITopic;
  /**
   * A schedule that starts contract-only executions: they apply the contract migrations whose release
   * passed its beforeContract gate. For example `ScheduleExpression.cron({ minute: '0', hour: '3' })`.
   * @default - no schedule
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
   */
  readonly contractSchedule?: scheduler.ScheduleExpression;
  /**
   * How the Backfill Map runs partitions: `distributed` makes each partition a child execution with its
   * own 25,000-event history (for backfills that run for days); `inline` keeps every event in one history.
   * @default 'distributed'
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
   */
  readonly backfillMap?: BackfillMapMode;
  /**
   * How long the workflow waits between two looks at a CREATE INDEX CONCURRENTLY that outlasted its task.
   * @default Duration.minutes(1)
   */
  readonly indexBuildPollInterval?: Duration;
  /**
   * TLS to the database: `verify-full` checks the server certificate against the Amazon RDS CAs.
   * @default 'verify-full'
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html
   */
  readonly databaseTls?: DatabaseTls;
  /**
   * Retention of the task and state machine logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Ship a source map with each task's handler and run it with `--enable-source-maps`: stack traces
   * in the task logs then name the TypeScript source. Off by default: a map is several times the size
   * of the minified handler, and every cold start would load it.
   * @default false
   */
  readonly sourceMaps?: boolean;
}
