import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SNSClient } from '@aws-sdk/client-sns';
import { InvalidInput } from '../../core/errors.ts';
import type { Log } from '../../core/log.ts';
import type { TaskDeps, TaskSettings } from '../task-handlers.ts';
import { DEFAULT_TASK_SETTINGS } from '../tasks/settings.ts';
import { type DatabaseSecretValue, type DatabaseTls, databaseConfig } from './database-secret.ts';

/** Environment variables the construct sets on every task function. */
export const ENV = {
  task: 'ZERODOWN_TASK',
  secretArn: 'ZERODOWN_DB_SECRET_ARN',
  host: 'ZERODOWN_DB_HOST',
  port: 'ZERODOWN_DB_PORT',
  database: 'ZERODOWN_DB_NAME',
  tls: 'ZERODOWN_DB_TLS',
  migrationsDir: 'ZERODOWN_MIGRATIONS_DIR',
  noticeTopicArn: 'ZERODOWN_NOTICE_TOPIC_ARN',
  secretMaxAgeSeconds: 'ZERODOWN_SECRET_MAX_AGE_SECONDS',
  lockTimeoutMs: 'ZERODOWN_LOCK_TIMEOUT_MS',
  statementTimeoutMs: 'ZERODOWN_STATEMENT_TIMEOUT_MS',
  targetBatchMs: 'ZERODOWN_TARGET_BATCH_MS',
  maxPartitions: 'ZERODOWN_MAX_PARTITIONS',
  leaseTtlMs: 'ZERODOWN_LEASE_TTL_MS',
  chunkBudgetMs: 'ZERODOWN_CHUNK_BUDGET_MS',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidInput(`environment variable ${name} must be a whole number, not "${raw}"`);
  }
  return value;
}

/** Reads the task settings from the environment; what it does not say is `DEFAULT_TASK_SETTINGS` (the construct always says). */
export function settingsFromEnv(env: Env): TaskSettings {
  return {
    lockTimeoutMs: integer(env, ENV.lockTimeoutMs, DEFAULT_TASK_SETTINGS.lockTimeoutMs),
    statementTimeoutMs: integer(env, ENV.statementTimeoutMs, DEFAULT_TASK_SETTINGS.statementTimeoutMs),
    targetBatchMs: integer(env, ENV.targetBatchMs, DEFAULT_TASK_SETTINGS.targetBatchMs),
    maxPartitions: integer(env, ENV.maxPartitions, DEFAULT_TASK_SETTINGS.maxPartitions),
    leaseTtlMs: integer(env, ENV.leaseTtlMs, DEFAULT_TASK_SETTINGS.leaseTtlMs),
    chunkBudgetMs: integer(env, ENV.chunkBudgetMs, DEFAULT_TASK_SETTINGS.chunkBudgetMs),
  };
}

function tlsMode(env: Env): DatabaseTls {
  const mode = env[ENV.tls] ?? 'verify-full';
  if (mode !== 'verify-full' && mode !== 'require' && mode !== 'disable') {
    throw new InvalidInput(`${ENV.tls} must be verify-full, require or disable, not "${mode}"`);
  }
  return mode;
}

/**
 * The task dependencies in Lambda: credentials from the Secrets Manager secret (Powertools parameters,
 * cached for `ZERODOWN_SECRET_MAX_AGE_SECONDS`, and read again at once when a login fails: a rotated
 * password), TLS, the bundled
 * migrations directory, settings from the environment, and gate notices to SNS when a topic is set.
 *
 * @example
 * const deps = awsTaskDeps(process.env, logger);
 */
export function awsTaskDeps(
  env: Env,
  log: Log,
  clients: { secrets?: SecretsProvider; sns?: SNSClient } = {},
): TaskDeps {
  const ownSecretArn = env[ENV.secretArn];
  const secrets = clients.secrets ?? new SecretsProvider();
  const maxAge = integer(env, ENV.secretMaxAgeSeconds, 300);
  const topicArn = env[ENV.noticeTopicArn];
  // the SNS client loads with the first notice: most tasks never send one
  let sns = clients.sns;
  const port = env[ENV.port] ? integer(env, ENV.port, 5432) : undefined;
  return {
    connection: async (options = {}) => {
      // a fleet task names its target's secret; the single-database workflow has one in the environment
      if (options.target?.databaseUrl !== undefined) {
        throw new InvalidInput(
          `target ${options.target.name} gives a databaseUrl: deployed fleets reach their targets through a Secrets Manager secret (secretArn); databaseUrl is for local runs`,
        );
      }
      const secretArn = options.target?.secretArn ?? ownSecretArn;
      if (!secretArn) throw new InvalidInput(`environment variable ${ENV.secretArn} is not set`);
      const secret = await secrets.get<DatabaseSecretValue>(secretArn, {
        transform: 'json',
        maxAge,
        forceFetch: options.refresh === true,
      });
      if (!secret || typeof secret !== 'object') {
        throw new InvalidInput(`the database secret ${secretArn} is not RDS-style JSON`);
      }
      const config = databaseConfig(
        secret,
        {
          host: env[ENV.host] || undefined,
          port,
          database: env[ENV.database] || undefined,
          tls: tlsMode(env),
        },
        secretArn,
      );
      return { connection: config };
    },
    migrationsDir: env[ENV.migrationsDir] ?? 'migrations',
    log,
    settings: settingsFromEnv(env),
    ...(topicArn
      ? {
          notify: async (notice: { subject: string; message: string }) => {
            const { PublishCommand, SNSClient } = await import('@aws-sdk/client-sns');
            sns ??= new SNSClient({});
            await sns.send(
              new PublishCommand({ TopicArn: topicArn, Subject: notice.subject, Message: notice.message }),
            );
          },
        }
      : {}),
  };
}
