import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExampleStack } from '../../infra/app.ts';
import { MigrationOrchestrator } from '../../infra/orchestrator.ts';
import { TASK_NAMES } from '../../lambdas/task-handlers.ts';
import { exampleTemplate, type Json, testApp } from './synth.ts';

/** An EC2 ARN of this stack's account and region, as CloudFormation renders it. */
const ec2Arn = (resource: string, ...rest: Json[]) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ec2:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:${resource}`,
      ...rest,
    ],
  ],
});

describe('MigrationOrchestrator in the example stack', () => {
  let stack: ExampleStack;
  let template: Template;
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    Stack.of(stack).getLogicalId(construct.node.defaultChild as never);

  beforeAll(() => {
    ({ stack, template } = exampleTemplate());
  });

  it('has one Node.js 22 function per task, traced, in the VPC, each named by ZERODOWN_TASK', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Json[];
    const tasks = functions.map((fn) => fn.Properties.Environment?.Variables?.ZERODOWN_TASK).filter(Boolean);
    expect(tasks.sort()).toEqual([...TASK_NAMES].sort());
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 900,
      TracingConfig: { Mode: 'Active' },
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          ZERODOWN_TASK: 'expand',
          ZERODOWN_DB_SECRET_ARN: { Ref: Match.stringLikeRegexp('DatabaseSecretAttachment') },
          ZERODOWN_DB_TLS: 'verify-full',
          ZERODOWN_LOCK_TIMEOUT_MS: '500',
          ZERODOWN_STATEMENT_TIMEOUT_MS: '600000',
          ZERODOWN_MAX_PARTITIONS: '4',
          ZERODOWN_MIGRATIONS_DIR: 'migrations',
          NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        }),
      },
    });
  });

  it('lets every task role read the one database secret and write its own logs, and nothing else', () => {
    const secret = { Ref: expect.stringMatching(/^DatabaseSecretAttachment/) };
    for (const task of TASK_NAMES) {
      const fn = stack.orchestrator.functions[task];
      const role = fn.role!;
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: id(role) }] },
      });
      const statements = Object.values(policies).flatMap((p: Json) => p.Properties.PolicyDocument.Statement);
      const logGroup = (fn as unknown as { logGroup: { node: { defaultChild?: unknown } } }).logGroup;
      expect(statements).toEqual([
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [id(logGroup), 'Arn'] },
        },
        {
          Action: 'ec2:CreateNetworkInterface',
          Effect: 'Allow',
          Resource: [
            ec2Arn('network-interface/*'),
            ec2Arn('subnet/', { Ref: expect.stringMatching(/^VpcPrivateSubnet1/) }),
            ec2Arn('subnet/', { Ref: expect.stringMatching(/^VpcPrivateSubnet2/) }),
            ec2Arn('security-group/', {
              'Fn::GetAtt': [expect.stringMatching(/TaskSecurityGroup/), 'GroupId'],
            }),
          ],
        },
        {
          Action: [
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          Effect: 'Allow',
          Resource: ec2Arn('network-interface/*'),
        },
        {
          Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
          Effect: 'Allow',
          Resource: '*',
        },
        {
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Effect: 'Allow',
          Resource: secret,
        },
        ...(task === 'gate'
          ? [
              { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: id(stack.noticeTopic) } },
              {
                Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
                Effect: 'Allow',
                Resource: { 'Fn::GetAtt': [expect.stringMatching(/^NoticeKey/), 'Arn'] },
              },
            ]
          : []),
        { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
        // decisions sent to the gate function resume executions of this state machine, no other
        ...(task === 'gate'
          ? [
              {
                Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
                Effect: 'Allow',
                Resource: { Ref: id(stack.orchestrator.stateMachine) },
              },
            ]
          : []),
      ]);
      expect(
        Object.keys(
          template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } }),
        ),
      ).not.toContain(id(role));
    }
  });

  it('grants no "*" action, and "*" resources only to the actions without resource-level permissions', () => {
    // GIVEN every IAM statement of the example stack (the orchestrator's roles and the example's own)
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p: Json) => p.Properties.PolicyDocument.Statement,
    );
    const actions = statements.flatMap((s: Json) => [s.Action].flat() as string[]);
    // THEN no action is "*" or "<service>:*"; the one action pattern is grantPublish's, acknowledged in infra/nag.ts
    expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
    expect([...new Set(actions.filter((a) => a.includes('*')))]).toEqual(['kms:GenerateDataKey*']);
    // AND a "*" resource goes only with the actions that have no resource-level permissions
    const onAnyResource = statements
      .filter((s: Json) => [s.Resource].flat().includes('*'))
      .flatMap((s: Json) => [s.Action].flat());
    expect([...new Set(onAnyResource)].sort()).toEqual(
      [
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        // the state machine's tracing and log delivery
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:DescribeLogGroups',
        'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
      ].sort(),
    );
  });

  it('grantGateDecisions lets a CI/CD role invoke the gate function, and only it', () => {
    const own = new ExampleStack(testApp(), 'ZerodownExample');
    const deployRole = new iam.Role(own, 'DeployRole', { assumedBy: new iam.AccountRootPrincipal() });
    own.orchestrator.grantGateDecisions(deployRole);
    const policies = Template.fromStack(own).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: own.getLogicalId(deployRole.node.defaultChild as never) }] },
    });
    const statements = Object.values(policies).flatMap((p: Json) => p.Properties.PolicyDocument.Statement);
    const gate = own.getLogicalId(own.orchestrator.functions.gate.node.defaultChild as never);
    expect(statements).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [
          { 'Fn::GetAtt': [gate, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [gate, 'Arn'] }, ':*']] },
        ],
      },
    ]);
  });

  it('lets the state machine invoke exactly the task functions', () => {
    const role = stack.orchestrator.stateMachine.role;
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: id(role) }] },
    });
    const statements = Object.values(policies).flatMap((p: Json) => p.Properties.PolicyDocument.Statement);
    const invoked = statements
      .filter((s: Json) => s.Action === 'lambda:InvokeFunction')
      .flatMap((s: Json) => s.Resource)
      .filter((r: Json) => r['Fn::GetAtt'])
      .map((r: Json) => r['Fn::GetAtt'][0]);
    expect(invoked.sort()).toEqual(TASK_NAMES.map((task) => id(stack.orchestrator.functions[task])).sort());
    const actions = statements.flatMap((s: Json) => [s.Action].flat());
    expect(actions.filter((a: string) => !/^(lambda:InvokeFunction|logs:|xray:|states:)/.test(a))).toEqual(
      [],
    );
  });

  it('logs every state at level ALL without execution data and traces with X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [id(stack.orchestrator.logGroup), 'Arn'] },
            },
          },
        ],
      },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('starts contract-only executions on the schedule, with a role that may start only this state machine', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Target: {
        Arn: { Ref: id(stack.orchestrator.stateMachine) },
        Input: JSON.stringify({
          release: 'scheduled-contract',
          phases: ['contract'],
          gates: { afterExpand: false, beforeContract: false },
          ifLocked: 'skip',
        }),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 86_400 },
      },
    });
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0] as Json;
    const scheduleRole = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: scheduleRole }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'states:StartExecution',
            Effect: 'Allow',
            Resource: { Ref: id(stack.orchestrator.stateMachine) },
          },
        ],
      },
    });
  });

  it('publishes failed, timed-out and aborted executions to the notice topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: id(stack.orchestrator.stateMachine) }],
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      Targets: [{ Arn: { Ref: id(stack.noticeTopic) }, Id: 'Target0' }],
    });
  });

  it('lets the task functions into the database port and nowhere else inbound', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: { 'Fn::GetAtt': [id(stack.database), 'Endpoint.Port'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('TaskSecurityGroup'), 'GroupId'] },
    });
  });
});

describe('MigrationOrchestrator props', () => {
  let stack: Stack;
  let vpc: ec2.Vpc;

  beforeEach(() => {
    stack = new Stack(testApp(), 'Props');
    vpc = new ec2.Vpc(stack, 'Vpc');
  });

  it('runs the handlers with source maps only when sourceMaps is set', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf';
    new MigrationOrchestrator(stack, 'Plain', { vpc, databaseSecretArn: arn, backfillMap: 'inline' });
    new MigrationOrchestrator(stack, 'Mapped', {
      vpc,
      databaseSecretArn: arn,
      backfillMap: 'inline',
      sourceMaps: true,
    });
    const functions = Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    const nodeOptions = (prefix: string) =>
      functions
        .filter(([id, fn]) => id.startsWith(prefix) && fn.Properties.Environment?.Variables?.ZERODOWN_TASK)
        .map(([, fn]) => fn.Properties.Environment.Variables.NODE_OPTIONS);
    expect(nodeOptions('Plain')).toEqual(Array(TASK_NAMES.length).fill(undefined));
    expect(nodeOptions('Mapped')).toEqual(Array(TASK_NAMES.length).fill('--enable-source-maps'));
  });

  it('imports the secret by ARN and grants reading that secret only', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf';
    new MigrationOrchestrator(stack, 'M', { vpc, databaseSecretArn: arn, backfillMap: 'inline' });
    const template = (stack.node.root as never as { synth(): Json }).synth().getStackByName('Props').template;
    const reads = Object.values(template.Resources as Record<string, Json>)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement)
      .filter((s: Json) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(reads).toHaveLength(TASK_NAMES.length);
    expect(new Set(reads.map((s: Json) => JSON.stringify(s.Resource)))).toEqual(
      new Set([JSON.stringify(arn)]),
    );
  });

  it('grants kms:Decrypt on the customer-managed key of a secret given by ARN, through Secrets Manager only', () => {
    // GIVEN a secret by ARN encrypted with a customer-managed key of another stack
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf';
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const databaseSecretKey = kms.Key.fromKeyArn(stack, 'SecretKey', keyArn);
    // WHEN the orchestrator is given the key
    const orchestrator = new MigrationOrchestrator(stack, 'M', {
      vpc,
      databaseSecretArn: arn,
      databaseSecretKey,
      backfillMap: 'inline',
    });
    // THEN every task role reads the secret and may decrypt with that key, only via Secrets Manager
    const template = Template.fromStack(stack);
    for (const task of TASK_NAMES) {
      const role = orchestrator.functions[task].role!;
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as never) }] },
      });
      const statements = Object.values(policies).flatMap((p: Json) => p.Properties.PolicyDocument.Statement);
      const secretRead = statements.findIndex((s: Json) => s.Resource === arn);
      expect(statements.slice(secretRead, secretRead + 2)).toEqual([
        {
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Effect: 'Allow',
          Resource: arn,
        },
        {
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: keyArn,
          Condition: {
            StringEquals: {
              'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com',
            },
          },
        },
      ]);
    }
  });

  it("grants the key a databaseSecret was imported with, which the secret's grantRead alone does not", () => {
    // GIVEN a secret imported with its customer-managed key (both by ARN)
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const databaseSecret = secretsmanager.Secret.fromSecretAttributes(stack, 'Imported', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf',
      encryptionKey: kms.Key.fromKeyArn(stack, 'SecretKey', keyArn),
    });
    // WHEN the orchestrator is given only the secret
    new MigrationOrchestrator(stack, 'M', { vpc, databaseSecret, backfillMap: 'inline' });
    // THEN each task role may decrypt with the key through Secrets Manager
    const decrypts = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((p: Json) => p.Properties.PolicyDocument.Statement)
      .filter((s: Json) => s.Action === 'kms:Decrypt');
    expect(decrypts).toEqual(
      TASK_NAMES.map(() => ({
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      })),
    );
  });

  it('grants no key without databaseSecretKey (the AWS managed key needs no grant)', () => {
    // GIVEN a secret by ARN WHEN no key is given
    new MigrationOrchestrator(stack, 'M', {
      vpc,
      databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf',
      backfillMap: 'inline',
    });
    // THEN no statement names a KMS action
    const actions = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (p: Json) => p.Properties.PolicyDocument.Statement.flatMap((s: Json) => [s.Action].flat()),
    );
    expect(actions.filter((a: string) => a.startsWith('kms:'))).toEqual([]);
  });

  it('with vpcEndpoints, reaches every API a task calls through an interface endpoint open to the tasks only', () => {
    // GIVEN a VPC whose task subnets have no NAT route, and a notice topic
    const isolated = new ec2.Vpc(stack, 'Isolated', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    // WHEN the orchestrator creates its endpoints
    const orchestrator = new MigrationOrchestrator(stack, 'M', {
      vpc: isolated,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      vpcEndpoints: true,
      noticeTopic: new sns.Topic(stack, 'Notices'),
      databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf',
      backfillMap: 'inline',
    });
    // THEN Secrets Manager (every task), Step Functions and SNS (the gate) each have one, with private DNS
    const template = Template.fromStack(stack);
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')) as Json[];
    const service = (e: Json) => e.Properties.ServiceName['Fn::Join'][1].at(-1);
    expect(endpoints.map(service).sort()).toEqual(['.secretsmanager', '.sns', '.states']);
    for (const endpoint of endpoints) {
      expect(endpoint.Properties).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    }
    // AND each lets in the task security group on 443, and nothing else
    const taskGroup = stack.getLogicalId(
      orchestrator.connections.securityGroups[0]!.node.defaultChild as never,
    );
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as Json[];
    expect(ingress.map((r) => r.Properties)).toEqual(
      endpoints.map(() =>
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          SourceSecurityGroupId: { 'Fn::GetAtt': [taskGroup, 'GroupId'] },
        }),
      ),
    );
  });

  it('creates no VPC endpoint unless asked (the example routes through NAT)', () => {
    // GIVEN the default props WHEN synthesized THEN no endpoint
    new MigrationOrchestrator(stack, 'M', {
      vpc,
      databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf',
    });
    expect(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint')).toEqual({});
  });

  it('refuses contradictory or unsafe settings, saying how to fix them', () => {
    const secret = new secretsmanager.Secret(stack, 'S');
    expect(() => new MigrationOrchestrator(stack, 'A', { vpc })).toThrow(
      /databaseSecret \(an ISecret\) or databaseSecretArn is required/,
    );
    expect(
      () =>
        new MigrationOrchestrator(stack, 'B', { vpc, databaseSecret: secret, databaseSecretArn: 'arn:x' }),
    ).toThrow('give databaseSecret or databaseSecretArn, not both');
    expect(
      () =>
        new MigrationOrchestrator(stack, 'C', {
          vpc,
          databaseSecret: secret,
          statementTimeout: Duration.minutes(15),
        }),
    ).toThrow(/statementTimeout must be between 1 ms and 13.5 minutes \(below the 15 minute Lambda limit\)/);
    expect(
      () =>
        new MigrationOrchestrator(stack, 'D', {
          vpc,
          databaseSecret: secret,
          gateHeartbeat: Duration.hours(2),
          gateTimeout: Duration.hours(1),
        }),
    ).toThrow('gateHeartbeat (2 hours) must be shorter than gateTimeout (1 hour)');
    expect(
      () => new MigrationOrchestrator(stack, 'E', { vpc, databaseSecret: secret, maxPartitions: 0 }),
    ).toThrow('maxPartitions must be positive (got 0); use 1 to backfill one partition at a time');
    expect(
      () =>
        new MigrationOrchestrator(stack, 'F', {
          vpc,
          databaseSecret: new secretsmanager.Secret(stack, 'Encrypted', {
            encryptionKey: new kms.Key(stack, 'K'),
          }),
          databaseSecretKey: new kms.Key(stack, 'Other'),
        }),
    ).toThrow(
      "databaseSecret carries an encryptionKey and databaseSecretKey names another key; leave databaseSecretKey unset (the tasks are granted the secret's own key)",
    );
  });
});
