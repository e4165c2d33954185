import type { TaskSettings } from '../lambdas/task-handlers.ts';
import type { WorkflowInputOptions } from './workflow-input-options.ts';

/** The fleet options of `zerodown run --local --fleet` and `zerodown fleet retry`. */
export interface FleetRunOptions {
  fleet?: string;
  canary?: number;
  waveSize?: number;
  toleratedFailurePercentage?: number;
  onFailure?: 'hold' | 'rollback';
  maxConcurrency?: number;
}

/** The options of `zerodown run` (cli/commands/run.ts). */
export interface RunOptions extends WorkflowInputOptions, FleetRunOptions {
  local?: boolean;
  databaseUrl?: string;
  migrations: string;
  app?: string;
  template?: string;
  stateMachine?: string;
  approveGates?: boolean;
  gateTimeout?: number;
  input?: Record<string, unknown>;
  lockTimeout?: number;
  statementTimeout?: number;
  chunkBudget?: number;
  targetBatch?: number;
  maxPartitions?: number;
  format: 'text' | 'json';
  history?: string;
  verbose?: boolean;
}

/** The task settings a local run's options override (the rest is the construct's). */
export function localSettingsOf(options: RunOptions): Partial<TaskSettings> {
  return {
    lockTimeoutMs: options.lockTimeout,
    statementTimeoutMs: options.statementTimeout,
    ...(options.chunkBudget !== undefined && { chunkBudgetMs: options.chunkBudget }),
    ...(options.targetBatch !== undefined && { targetBatchMs: options.targetBatch }),
    ...(options.maxPartitions !== undefined && { maxPartitions: options.maxPartitions }),
  };
}
