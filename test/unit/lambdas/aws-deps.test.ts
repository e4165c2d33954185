import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLog } from '../../../core/log.ts';
import { awsTaskDeps, ENV } from '../../../lambdas/aws/deps.ts';
import { awsTaskHandler } from '../../../lambdas/aws/handler.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf';
const PASSWORD = 'pa55-w0rd-that-must-never-be-logged';
const secrets = mockClient(SecretsManagerClient);
const sns = mockClient(SNSClient);

function secretValue(value: Record<string, unknown>) {
  secrets
    .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
    .resolves({ SecretString: JSON.stringify(value) });
}

const rdsSecret = {
  engine: 'postgres',
  host: 'db.internal',
  port: 5433,
  username: 'app',
  password: PASSWORD,
  dbname: 'app',
};

beforeEach(() => {
  secrets.reset();
  sns.reset();
  vi.stubEnv('AWS_REGION', 'eu-west-1');
});
afterEach(() => vi.unstubAllEnvs());

describe('awsTaskDeps', () => {
  it('reads the RDS-style secret once (cached) and connects with TLS verifying the server', async () => {
    // Prepare
    secretValue(rdsSecret);
    const deps = awsTaskDeps({ [ENV.secretArn]: SECRET_ARN }, silentLog);
    // Act
    const first = await deps.connection();
    await deps.connection();
    // Assess
    expect(first.connection).toEqual({
      host: 'db.internal',
      port: 5433,
      user: 'app',
      password: PASSWORD,
      database: 'app',
      ssl: { rejectUnauthorized: true, servername: 'db.internal' },
    });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('takes the host, port, database and TLS mode from the environment when set', async () => {
    secretValue(rdsSecret);
    const deps = awsTaskDeps(
      {
        [ENV.secretArn]: SECRET_ARN,
        [ENV.host]: 'proxy.internal',
        [ENV.port]: '6432',
        [ENV.database]: 'other',
        [ENV.tls]: 'disable',
      },
      silentLog,
    );
    expect((await deps.connection()).connection).toMatchObject({
      host: 'proxy.internal',
      port: 6432,
      database: 'other',
      ssl: false,
    });
  });

  it('names the missing fields of a bad secret, never its values', async () => {
    secretValue({ host: 'db.internal', password: PASSWORD });
    const deps = awsTaskDeps({ [ENV.secretArn]: SECRET_ARN }, silentLog);
    const error = await deps.connection().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe('InvalidInput');
    expect(error?.message).toContain(`the database secret ${SECRET_ARN} has no username`);
    expect(error?.message).not.toContain(PASSWORD);
  });

  it('reads the settings from the environment and refuses a bad number, naming the variable', () => {
    const deps = awsTaskDeps(
      { [ENV.secretArn]: SECRET_ARN, [ENV.lockTimeoutMs]: '750', [ENV.maxPartitions]: '8' },
      silentLog,
    );
    expect(deps.settings).toMatchObject({ lockTimeoutMs: 750, maxPartitions: 8, chunkBudgetMs: 300_000 });
    expect(() => awsTaskDeps({ [ENV.secretArn]: SECRET_ARN, [ENV.leaseTtlMs]: '10m' }, silentLog)).toThrow(
      'environment variable ZERODOWN_LEASE_TTL_MS must be a whole number, not "10m"',
    );
  });

  it('publishes gate notices to the SNS topic when one is configured', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const topic = 'arn:aws:sns:eu-west-1:123456789012:notices';
    const deps = awsTaskDeps({ [ENV.secretArn]: SECRET_ARN, [ENV.noticeTopicArn]: topic }, silentLog);
    await deps.notify!({
      subject: 'zerodown: release v1 waits',
      message: 'zerodown gate approve --release v1',
    });
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input).toEqual({
      TopicArn: topic,
      Subject: 'zerodown: release v1 waits',
      Message: 'zerodown gate approve --release v1',
    });
    expect(awsTaskDeps({ [ENV.secretArn]: SECRET_ARN }, silentLog).notify).toBeUndefined();
  });
});

describe('awsTaskHandler', () => {
  /** Powertools writes to the global console in dev mode: one JSON document per call. */
  function captureLogs(): {
    entries: () => Record<string, unknown>[];
    text: () => string;
    restore: () => void;
  } {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const calls: string[] = [];
    const spies = (['error', 'warn', 'info', 'debug', 'log'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        calls.push(args.map(String).join(' '));
      }),
    );
    return {
      entries: () => calls.map((call) => JSON.parse(call)),
      text: () => calls.join('\n'),
      restore: () => {
        for (const spy of spies) spy.mockRestore();
      },
    };
  }

  it('fails with the error class name as the error type; the password appears in no log line and no error', async () => {
    // Prepare: the secret points at a port where nothing listens
    secretValue({ ...rdsSecret, host: '127.0.0.1', port: 1 });
    const stdout = captureLogs(); // before the handler: its logger picks its console when it is created
    const handler = awsTaskHandler('acquireLock', { [ENV.secretArn]: SECRET_ARN, [ENV.tls]: 'disable' });
    let error: Error | undefined;
    try {
      // Act
      await handler({ executionId: 'arn:aws:states:eu-west-1:1:execution:m:e-1', release: 'v1' }).catch(
        (e) => {
          error = e;
        },
      );
      await handler({ release: 'v1' }).catch(() => undefined);
    } finally {
      stdout.restore();
    }
    // Assess
    expect(error?.message).toContain('cannot connect to postgres://app@127.0.0.1:1/app');
    expect(error?.message).not.toContain(PASSWORD);
    const lines = stdout.entries();
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      message: 'acquireLock failed',
      task: 'acquireLock',
      executionId: 'arn:aws:states:eu-west-1:1:execution:m:e-1',
    });
    expect(lines[1]).toMatchObject({ errorName: 'InvalidInput', task: 'acquireLock' });
    expect(lines[1]!.errorMessage).toContain('executionId');
    expect(stdout.text()).not.toContain(PASSWORD);
  });
});
