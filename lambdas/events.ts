import { z } from 'zod';
import { GATE_NAMES } from '../core/gates/gates.ts';
import { PHASES } from '../core/migrations/types.ts';

/**
 * The Plan task's result, which the state machine carries at `$.plan` and hands to the later tasks:
 * ids and flags only, never file contents (state payloads are limited to 256 KiB and are visible).
 */
export const PlanResultSchema = z.object({
  release: z.string(),
  executionId: z.string(),
  dryRun: z.boolean(),
  onGateReject: z.enum(['keep', 'rollback']),
  /** What AcquireLock's LockHeld does: fail the execution, or end it as skipped. */
  ifLocked: z.enum(['fail', 'skip']),
  phases: z.array(z.enum(PHASES)),
  /** Which phases have work: the Choice states branch on these. */
  run: z.object({ expand: z.boolean(), backfill: z.boolean(), contract: z.boolean() }),
  /** Which gates this execution waits at: asked for, and with something to guard. */
  gates: z.object({ afterExpand: z.boolean(), beforeContract: z.boolean() }),
  expand: z.array(z.string()),
  backfill: z.array(z.string()),
  contract: z.array(z.string()),
  heldBack: z.array(z.object({ id: z.string(), reason: z.string() })),
  contractOnly: z.boolean(),
  /** Recorded with each migration applied when a person overrode lint errors; null otherwise. */
  lintOverride: z.string().nullable(),
  /** A versioned release: the new version's schema and search_path, the old one's, the views; null otherwise. */
  versions: z
    .object({
      release: z.string(),
      schema: z.string(),
      searchPath: z.string(),
      oldSchema: z.string(),
      views: z.array(z.string()),
    })
    .nullable()
    .default(null),
});
export type PlanResult = z.output<typeof PlanResultSchema>;

/**
 * The fields of each task result the definition copies out of `$.Payload` (ResultSelector): a handler
 * returns every one of them (null when it has nothing), since a missing path fails the state.
 */
export const RESULT_FIELDS = {
  plan: Object.keys(PlanResultSchema.shape),
  schemaPhase: ['done', 'applied', 'building'],
  prepareBackfill: ['jobs'],
  backfillChunk: [
    'job',
    'executionId',
    'release',
    'done',
    'rowsDone',
    'rowsEstimated',
    'batchSize',
    'rowsPerSecond',
    'etaSeconds',
  ],
  finishBackfills: ['finished'],
  rollback: ['rolledBack'],
} as const;

/** Plan: the execution input as given, and the execution id. */
export const PlanEventSchema = z.object({ input: z.unknown(), executionId: z.string().min(1) });

/** AcquireLock and ReleaseLock. */
export const LockEventSchema = z.object({
  executionId: z.string().min(1),
  release: z.string().min(1).optional(),
});

/** Expand, Contract, PrepareBackfill: the plan. */
export const PlanCarryingEventSchema = z.object({ plan: PlanResultSchema });

/** The gate task (lambda:invoke.waitForTaskToken). */
export const GateEventSchema = z.object({
  taskToken: z.string().min(1),
  release: z.string().min(1),
  gate: z.enum(GATE_NAMES),
  executionId: z.string().min(1),
  /** The gate state's TimeoutSeconds: the lease is renewed to outlast the wait. */
  timeoutSeconds: z.number().int().positive().optional(),
});

/**
 * A decision sent to the gate function itself (`zerodown gate approve|reject|heartbeat --gate-function`),
 * for CI/CD runners that reach AWS but not the database: the function records it and resumes the
 * execution, as the CLI does with database access.
 */
export const GateDecisionEventSchema = z.strictObject({
  action: z.enum(['approve', 'reject', 'heartbeat']),
  release: z.string().min(1).max(100),
  gate: z.enum(GATE_NAMES).optional(),
  /** Who decides (recorded). */
  decidedBy: z.string().min(1).max(200),
  /** Why (recorded; a rejection passes it on as the failure cause). */
  reason: z.string().max(2000).optional(),
});
export type GateDecisionEvent = z.output<typeof GateDecisionEventSchema>;

/** One key-range partition of one backfill: a Map item. */
export const BackfillJobSchema = z.object({
  migrationId: z.string(),
  version: z.string(),
  name: z.string(),
  partition: z.number().int().min(0),
  partitions: z.number().int().positive(),
});

/** BackfillChunk: the Map item, then its own previous result (the loop passes it back). */
export const ChunkEventSchema = z
  .object({ job: BackfillJobSchema, executionId: z.string().min(1), release: z.string().nullish() })
  .loose();

/** What one partition's loop ended with (the Map collects one per item): its last chunk, or its failure. */
export const PartitionOutcomeSchema = z
  .object({
    job: BackfillJobSchema.optional(),
    done: z.boolean().optional(),
    failed: z.boolean().optional(),
    failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose().optional(),
  })
  .loose();

/** FinishBackfills: the plan and the Map's results. */
export const FinishEventSchema = z.object({
  plan: PlanResultSchema,
  results: z.array(PartitionOutcomeSchema).default([]),
});

/** Rollback: the plan and the failure that led there (`{ Error, Cause }` as a Catch records it). */
export const RollbackEventSchema = z.object({
  plan: PlanResultSchema,
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose().optional(),
});
