import type { ClientConfig } from 'pg';
import { InvalidInput } from '../../core/errors.ts';

/** The fields of an RDS-style database secret (what RDS, Aurora and `DatabaseSecret` store). */
export interface DatabaseSecretValue {
  readonly host?: unknown;
  readonly port?: unknown;
  readonly username?: unknown;
  readonly password?: unknown;
  readonly dbname?: unknown;
}

/** How the tasks verify the server: `verify-full` (the default), `require` (encrypted, unverified), `disable`. */
export type DatabaseTls = 'verify-full' | 'require' | 'disable';

/** Overrides from the environment: an RDS Proxy or reader endpoint, another database name. */
export interface DatabaseOverrides {
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly tls: DatabaseTls;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Turns an RDS-style secret into a node-postgres config with TLS. Missing fields are named (never their
 * values): a secret without a password says so, it does not print the secret.
 * With `verify-full`, the server certificate must chain to a CA Node trusts; in Lambda the Amazon RDS CAs
 * come from `NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem`, which the construct sets.
 *
 * @example
 * const config = databaseConfig(secret, { tls: 'verify-full' }, secretArn);
 */
export function databaseConfig(
  secret: DatabaseSecretValue,
  overrides: DatabaseOverrides,
  secretName: string,
): ClientConfig {
  const host = overrides.host ?? text(secret.host);
  const user = text(secret.username);
  const password = text(secret.password);
  const missing = [!host && 'host', !user && 'username', !password && 'password'].filter(Boolean);
  if (missing.length > 0) {
    throw new InvalidInput(
      `the database secret ${secretName} has no ${missing.join(', ')}: store RDS-style JSON {"host","port","username","password","dbname"}`,
    );
  }
  const port = overrides.port ?? (secret.port === undefined ? 5432 : Number(secret.port));
  if (!Number.isInteger(port) || port <= 0) {
    throw new InvalidInput(`the database secret ${secretName} has a port that is not a number`);
  }
  const ssl =
    overrides.tls === 'disable'
      ? false
      : { rejectUnauthorized: overrides.tls === 'verify-full', servername: host };
  return {
    host,
    port,
    user,
    password,
    database: overrides.database ?? text(secret.dbname) ?? 'postgres',
    ssl,
  };
}
