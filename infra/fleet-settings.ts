import { Token } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { MigrationOrchestratorProps } from './orchestrator-props.ts';

/** The fleet mode's props, checked, with their defaults. */
export interface FleetSettings {
  readonly secrets: readonly secretsmanager.ISecret[];
  readonly definition: { readonly maxConcurrency: number; readonly toleratedFailurePercentage: number };
}

/**
 * Checks the `fleet` props of a MigrationOrchestrator (errors say how to fix them) and applies their
 * defaults: MaxConcurrency 8, a 10 % failure budget.
 *
 * @example
 * const fleet = fleetSettings({ vpc, fleet: { targetSecrets: [tenantA.secret!, tenantB.secret!] } });
 */
export function fleetSettings(props: MigrationOrchestratorProps): FleetSettings {
  const fleet = props.fleet!;
  const fail = (message: string): never => {
    throw new Error(`MigrationOrchestrator (fleet): ${message}`);
  };
  if (props.databaseSecret || props.databaseSecretArn) {
    fail(
      'give the targets’ secrets in fleet.targetSecrets, not databaseSecret or databaseSecretArn (each target names its secret in the execution input)',
    );
  }
  if (fleet.targetSecrets.length === 0) {
    fail('fleet.targetSecrets is empty: the tasks may read only these secrets, so give every target’s');
  }
  if (props.contractSchedule) {
    fail('contractSchedule is for one database; a fleet contracts after its gate, in the same execution');
  }
  const maxConcurrency = fleet.maxConcurrency ?? 8;
  if (!Token.isUnresolved(maxConcurrency) && !(Number.isInteger(maxConcurrency) && maxConcurrency >= 1)) {
    fail(`fleet.maxConcurrency must be a whole number of at least 1 (got ${maxConcurrency})`);
  }
  const tolerated = fleet.toleratedFailurePercentage ?? 10;
  if (!(tolerated >= 0 && tolerated <= 100)) {
    fail(`fleet.toleratedFailurePercentage must be between 0 and 100 (got ${tolerated})`);
  }
  return {
    secrets: fleet.targetSecrets,
    definition: { maxConcurrency, toleratedFailurePercentage: tolerated },
  };
}
