import { z } from 'zod';
import { InvalidInput } from '../core/errors.ts';
import { PHASES } from '../core/migrations/types.ts';

/**
 * The execution input of the migration workflow, as the console, CI (`zerodown start`) or the contract
 * schedule sends it. Every field but `release` has a default; unknown fields are refused so that a typo
 * (`"gate"` for `"gates"`) is not silently ignored.
 *
 * @example
 * WorkflowInputSchema.parse({ release: 'v42' });
 * // { release: 'v42', phases: ['expand', 'backfill', 'contract'],
 * //   gates: { afterExpand: false, beforeContract: true }, onGateReject: 'keep', ifLocked: 'fail',
 * //   dryRun: false, contract: [] }
 */
export const WorkflowInputSchema = z.strictObject({
  /** The release (application version) these migrations ship with; names the lease and the gates. */
  release: z
    .string()
    .min(1, 'release is required, e.g. "v42"')
    .max(100)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._:/+-]*$/,
      'release may contain letters, digits and . _ : / + - (it appears in commands and logs)',
    ),
  /** Phases to run, in workflow order whatever order they are given in. */
  phases: z
    .array(z.enum(PHASES))
    .min(1, 'phases needs at least one of expand, backfill, contract')
    .default([...PHASES])
    .transform((phases) => PHASES.filter((phase) => phases.includes(phase))),
  /** Deploy gates: wait for `zerodown gate approve` after expand and/or before contract. */
  gates: z
    .strictObject({
      afterExpand: z.boolean().default(false),
      beforeContract: z.boolean().default(true),
    })
    .default({ afterExpand: false, beforeContract: true }),
  /** What a rejected or timed-out gate does to what expand applied: keep it (it is backward compatible) or roll it back. */
  onGateReject: z.enum(['keep', 'rollback']).default('keep'),
  /**
   * When another execution or command holds the migration lock: `fail` (the default: CI must hear of it)
   * or `skip`, where the execution ends as succeeded with `skipped` saying who holds it. The contract
   * schedule skips: a release that waits at its gate overnight is expected, and the next run applies.
   */
  ifLocked: z.enum(['fail', 'skip']).default('fail'),
  /** Plan and lint only: log the SQL that would run, apply nothing, take no lock. */
  dryRun: z.boolean().default(false),
  /**
   * Contract migrations a person names for a contract-only execution (versions like `20260101000500`, ids
   * like `20260101000500.contract`, or file names): applied even if no release passed its beforeContract gate.
   */
  contract: z.array(z.string().min(1)).default([]),
  /** The reason a person takes responsibility for lint errors in the pending migrations (recorded with each). */
  allowLintErrors: z.string().trim().min(1, 'allowLintErrors needs the reason').optional(),
  /** Apply an expand migration older than the newest applied one (a branch merged late); refused otherwise. */
  outOfOrder: z.boolean().default(false),
  /**
   * Give the release a versioned schema of views, `zd_<release>` (PostgreSQL 15 or newer; see
   * docs/versioned-schemas.md). Unset: `versionedSchema` of zerodown.config.json, else false.
   */
  versionedSchema: z.boolean().optional(),
});

/** The validated workflow input, defaults applied. */
export type WorkflowInput = z.output<typeof WorkflowInputSchema>;

/**
 * Validates a workflow input; throws `InvalidInput` naming every bad field and what is expected.
 *
 * @example
 * const input = parseWorkflowInput(JSON.parse(event.input));
 */
export function parseWorkflowInput(value: unknown): WorkflowInput {
  const parsed = WorkflowInputSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(input)';
    return `${field}: ${issue.message}`;
  });
  throw new InvalidInput(
    `invalid workflow input: ${problems.join('; ')}. Expected {"release": "v42", "phases": ["expand","backfill","contract"], "gates": {"afterExpand": false, "beforeContract": true}, "onGateReject": "keep"|"rollback", "ifLocked": "fail"|"skip", "dryRun": false} (see docs/workflow.md)`,
  );
}

/**
 * The input the contract schedule sends: contract only, no gate (it applies what passed its gates), and
 * skipped while a release holds the lock (the next scheduled run applies).
 */
export const SCHEDULED_CONTRACT_INPUT: z.input<typeof WorkflowInputSchema> = {
  release: 'scheduled-contract',
  phases: ['contract'],
  gates: { afterExpand: false, beforeContract: false },
  ifLocked: 'skip',
};
