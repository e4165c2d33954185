import { type Command, InvalidArgumentError, Option } from 'commander';
import { PHASES, type Phase } from '../core/migrations/types.ts';

/** The workflow input fields, as `zerodown run --local` and `zerodown start` take them on the command line. */
export interface WorkflowInputOptions {
  release: string;
  phases: string[];
  gateAfterExpand: boolean;
  gateBeforeContract: boolean;
  onGateReject: 'keep' | 'rollback';
  ifLocked: 'fail' | 'skip';
  dryRun?: boolean;
  contract?: string[];
  allowLintErrors?: string;
  outOfOrder?: boolean;
}

/** A comma-separated list of phases, or a usage error naming the unknown ones. */
export function phaseList(value: string): Phase[] {
  const phases = value.split(',').map((p) => p.trim());
  const unknown = phases.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`unknown phase ${unknown.join(', ')}: use expand, backfill, contract`);
  }
  return phases as Phase[];
}

/**
 * Adds the options that make up a workflow input (phases, gates, onGateReject, ifLocked, dryRun, contract,
 * allowLintErrors), the same for a local run and a deployed one. `--release` is added by the caller
 * (its default differs).
 */
export function withWorkflowInputOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--phases <list>', 'comma-separated phases to run')
        .argParser(phaseList)
        .default([...PHASES], PHASES.join(',')),
    )
    .option('--gate-after-expand', 'wait at a gate after expand', false)
    .option('--no-gate-before-contract', 'do not wait at the gate before contract')
    .addOption(
      new Option('--on-gate-reject <what>', 'keep the expand or roll it back')
        .choices(['keep', 'rollback'])
        .default('keep'),
    )
    .addOption(
      new Option(
        '--if-locked <what>',
        'when another execution holds the migration lock: fail, or end as succeeded and skipped',
      )
        .choices(['fail', 'skip'])
        .default('fail'),
    )
    .option('--dry-run', 'plan and lint only; apply nothing')
    .option(
      '--contract <list>',
      'contract migrations named by hand (versions or files), comma-separated',
      (v: string) => v.split(',').map((name) => name.trim()),
    )
    .option('--allow-lint-errors <reason>', 'take responsibility for lint errors (the reason is recorded)')
    .option('--out-of-order', 'apply expand migrations older than the newest applied one');
}

/**
 * The workflow input document of those options (validated later by `WorkflowInputSchema`).
 *
 * @example
 * workflowInputOf({ release: 'v42', phases: ['expand'], gateAfterExpand: false, gateBeforeContract: true, onGateReject: 'keep', ifLocked: 'fail' });
 */
export function workflowInputOf(options: WorkflowInputOptions): {
  release: string;
  [field: string]: unknown;
} {
  return {
    release: options.release,
    phases: options.phases,
    gates: { afterExpand: options.gateAfterExpand, beforeContract: options.gateBeforeContract },
    onGateReject: options.onGateReject,
    ifLocked: options.ifLocked,
    dryRun: options.dryRun ?? false,
    ...(options.contract?.length ? { contract: options.contract } : {}),
    ...(options.allowLintErrors !== undefined ? { allowLintErrors: options.allowLintErrors } : {}),
    ...(options.outOfOrder ? { outOfOrder: true } : {}),
  };
}
