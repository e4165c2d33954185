import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arn, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PRECOMPILED_DIR } from '../core/migrations/precompiled.ts';
import { ENV } from '../lambdas/aws/deps.ts';
import { TASK_NAMES, type TaskName } from '../lambdas/task-handlers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** The repository root: lambdas/ and the lock file live there. */
const PROJECT_ROOT = resolve(here, '..');

/** How long each task's function may run. Schema and backfill work stop well before (statement timeout, budgets). */
export const TASK_TIMEOUTS: Readonly<Record<TaskName, Duration>> = {
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
};

/** The entry file of a task: `lambdas/<kebab-case task>.ts`. */
export function taskEntry(task: TaskName): string {
  return join(PROJECT_ROOT, 'lambdas', `${task.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.ts`);
}

const MODULE_MIGRATION = /\.(js|cjs|mjs|ts|cts|mts)$/;

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The shell commands that finish a task bundle: the migrations directory copied as it is (so checksums
 * match the repository), every module migration (`.ts`, `.js`) compiled by the local esbuild into
 * `migrations/.compiled/<file>.mjs` (the bundle has no TypeScript compiler), the PostgreSQL parser's
 * WASM next to the handler (it is read from the working directory, /var/task), and the lint config.
 */
export function afterBundlingCommands(migrationsDir: string, outputDir: string): string[] {
  const esbuild = join(dirname(require.resolve('esbuild/package.json')), 'bin', 'esbuild');
  const wasm = join(dirname(require.resolve('libpg-query/package.json')), 'wasm', 'libpg-query.wasm');
  const target = join(outputDir, 'migrations');
  const commands = [
    `mkdir -p ${quote(join(target, PRECOMPILED_DIR))}`,
    `cp -R ${quote(`${migrationsDir}/.`)} ${quote(target)}`,
    `cp ${quote(wasm)} ${quote(join(outputDir, 'libpg-query.wasm'))}`,
  ];
  for (const file of readdirSync(migrationsDir).filter(
    (f) => MODULE_MIGRATION.test(f) && !f.endsWith('.d.ts'),
  )) {
    commands.push(
      `${quote(esbuild)} ${quote(join(migrationsDir, file))} --bundle --platform=node --format=esm --target=node22 --log-level=warning --outfile=${quote(join(target, PRECOMPILED_DIR, `${file}.mjs`))}`,
    );
  }
  const config = join(dirname(migrationsDir), 'zerodown.config.json');
  commands.push(`if [ -f ${quote(config)} ]; then cp ${quote(config)} ${quote(outputDir)}; fi`);
  return commands;
}

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
  readonly secret: secretsmanager.ISecret;
  /** The customer-managed key of the secret: kms:Decrypt through Secrets Manager. */
  readonly secretKey?: kms.IKey;
  /** Environment shared by every task (settings, database options). */
  readonly environment: Readonly<Record<string, string>>;
  /** Gate notices go here (the gate function may publish, nothing else). */
  readonly noticeTopic?: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
}

/**
 * One NodejsFunction per workflow task (Node.js 22, arm64, bundled by the local esbuild with the
 * migrations), each with its own role: write to its own log group, manage its VPC interfaces, send
 * X-Ray traces, read the one database secret (and decrypt it, when its key is customer-managed), and
 * (the gate only) publish to the notice topic.
 *
 * @example
 * const { functions } = new TaskFunctions(this, 'Tasks', { migrationsDir, vpc, securityGroups, secret, environment, logRetention });
 */
export class TaskFunctions extends Construct {
  readonly functions: Readonly<Record<TaskName, nodejs.NodejsFunction>>;

  constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    const functions: Partial<Record<TaskName, nodejs.NodejsFunction>> = {};
    const networkInterfaceStatements = vpcNetworkInterfaceStatements(this, props);
    for (const task of TASK_NAMES) {
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
      props.secret.grantRead(role);
      if (props.secretKey) role.addToPrincipalPolicy(decryptThroughSecretsManager(props.secretKey));
      if (task === 'gate') props.noticeTopic?.grantPublish(role);
      const fn = new nodejs.NodejsFunction(this, `${name}Function`, {
        entry: taskEntry(task),
        handler: 'handler',
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
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
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'zerodown',
        },
        bundling: {
          format: nodejs.OutputFormat.ESM,
          target: 'node22',
          mainFields: ['module', 'main'],
          sourceMap: true,
          // CommonJS dependencies (pg) call require(), and the parser's WASM loader reads __dirname
          banner: [
            "import { createRequire as zdCreateRequire } from 'node:module';",
            "import { fileURLToPath as zdFileURLToPath } from 'node:url';",
            "import { dirname as zdDirname } from 'node:path';",
            'const require = zdCreateRequire(import.meta.url);',
            'const __filename = zdFileURLToPath(import.meta.url);',
            'const __dirname = zdDirname(__filename);',
          ].join(' '),
          forceDockerBundling: false,
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_input: string, output: string) =>
              afterBundlingCommands(props.migrationsDir, output),
          },
        },
      });
      functions[task] = fn;
    }
    this.functions = functions as Record<TaskName, nodejs.NodejsFunction>;
  }
}
