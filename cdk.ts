/**
 * `zerodown/cdk`: the `MigrationOrchestrator` construct, its props and types. `aws-cdk-lib` and
 * `constructs` are peer dependencies: the CDK app's own copies are the ones used.
 *
 * @example
 * import { MigrationOrchestrator } from 'zerodown/cdk';
 *
 * new MigrationOrchestrator(stack, 'Migrations', {
 *   migrationsDir: path.join(__dirname, 'migrations'),
 *   vpc,
 *   databaseSecret: database.secret!,
 * });
 */

export { MigrationOrchestrator, type MigrationOrchestratorProps } from './infra/orchestrator.ts';
export type { BackfillMapMode } from './infra/state-machine.ts';
export type { DatabaseTls } from './lambdas/aws/database-secret.ts';
