import { z } from 'zod';
import { WorkflowInputSchema } from './input.ts';

/** Per-target overrides of the task settings (the rest comes from the construct). */
export const TargetSettingsSchema = z.strictObject({
  lockTimeoutMs: z.number().int().positive().optional(),
  statementTimeoutMs: z.number().int().min(0).optional(),
  maxPartitions: z.number().int().min(1).max(64).optional(),
});

/**
 * One database of a fleet: its name (in logs, status and the per-target record) and how to reach it, a
 * Secrets Manager secret (RDS-style JSON, as `databaseSecret` of the single-database construct) or,
 * for local runs only, a postgres:// URL. The URL is never logged or echoed in an error.
 */
export const FleetTargetSchema = z
  .strictObject({
    name: z
      .string()
      .min(1, 'a target needs a name')
      .max(128)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a target name may contain letters, digits and . _ -'),
    secretArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:secretsmanager:/, 'secretArn must be the ARN of a Secrets Manager secret')
      .optional(),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'databaseUrl must be a postgres:// URL (local runs only)')
      .optional(),
    settings: TargetSettingsSchema.optional(),
  })
  .refine((target) => (target.secretArn === undefined) !== (target.databaseUrl === undefined), {
    message: 'a target needs exactly one of secretArn (deployed) or databaseUrl (local runs)',
  });
export type FleetTarget = z.output<typeof FleetTargetSchema>;

/**
 * The execution input of the fleet workflow. The targets come from the input (small fleets; Step
 * Functions limits an input to 256 KiB); `canary` targets run first and stop the rollout if any fails;
 * the rest run in waves of `waveSize` with the failure budget `toleratedFailurePercentage`.
 *
 * @example
 * FleetInputSchema.parse({ release: 'v42', targets: [{ name: 'tenant-1', secretArn: 'arn:aws:secretsmanager:…' }] });
 */
export const FleetInputSchema = z.strictObject({
  release: WorkflowInputSchema.shape.release,
  targets: z.array(FleetTargetSchema).min(1, 'a fleet needs at least one target'),
  /** How many targets run first, alone; any failure among them stops the rollout. */
  canary: z.number().int().min(0).default(1),
  /** Targets per wave after the canary. @default the rest in one wave */
  waveSize: z.number().int().positive().optional(),
  /** Failed targets a wave tolerates, in percent of the wave. @default the construct's */
  toleratedFailurePercentage: z.number().min(0).max(100).optional(),
  /** What a stopped rollout does to the targets that expanded: hold them (keep the expand) or roll them back. */
  onFailure: z.enum(['hold', 'rollback']).default('hold'),
  phases: WorkflowInputSchema.shape.phases,
  /** One gate for the whole fleet, before contract, once every target finished expand and backfill. */
  gates: z.strictObject({ beforeContract: z.boolean().default(true) }).default({ beforeContract: true }),
  /** What a rejected or timed-out fleet gate does: keep every expand, or roll every target back. */
  onGateReject: z.enum(['keep', 'rollback']).default('keep'),
  allowLintErrors: WorkflowInputSchema.shape.allowLintErrors,
  outOfOrder: WorkflowInputSchema.shape.outOfOrder,
});
export type FleetInput = z.output<typeof FleetInputSchema>;

/** One wave: its targets and the failure budget of its Map run. */
export interface FleetWave {
  readonly index: number;
  readonly targets: FleetTarget[];
  readonly toleratedFailurePercentage: number;
}

/** What the FleetPlan task returns, carried at `$.fleet`. */
export interface FleetPlan {
  readonly release: string;
  readonly executionId: string;
  readonly targets: FleetTarget[];
  /** The workflow input every target's Plan gets (no per-target gate: the fleet has one). */
  readonly input: Record<string, unknown>;
  readonly waves: FleetWave[];
  readonly waveCount: number;
  /** Whether the fleet waits at its beforeContract gate. */
  readonly gate: boolean;
  /** Where the fleet's gate is recorded (`zerodown gate approve --database-url` of this target). */
  readonly gateTarget: FleetTarget;
  readonly runContract: boolean;
  readonly onFailure: 'hold' | 'rollback';
  readonly onGateReject: 'keep' | 'rollback';
}

/** FleetPlan: the execution input, the execution, and the construct's defaults. */
export const FleetPlanEventSchema = z.object({
  input: z.unknown(),
  executionId: z.string().min(1),
  defaults: z.object({ toleratedFailurePercentage: z.number().min(0).max(100) }),
});

/** Where a target stands, as its record in `zerodown.events` says. */
export const TARGET_STATUSES = [
  'started',
  'expanded',
  'failed',
  'contracted',
  'rolled_back',
  'held',
] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

/** FleetRecord: one target's status, written into that target's own `zerodown.events`. */
export const FleetRecordEventSchema = z.object({
  target: FleetTargetSchema,
  executionId: z.string().min(1),
  release: z.string().min(1),
  status: z.enum(TARGET_STATUSES),
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose().optional(),
  /** With `expanded`: renew the target's lease to outlast the fleet gate's wait (its TimeoutSeconds). */
  holdSeconds: z.number().int().positive().optional(),
});
