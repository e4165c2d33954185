import { z } from 'zod';

const identifier = z.string().min(1).max(63);

/** When to pause between batches so the backfill never crowds out the application or its replicas. */
export const BackfillThrottleSchema = z
  .object({
    /** Pause after every batch, milliseconds. @default 0 */
    pauseMs: z.number().int().min(0).max(600_000).optional(),
    /** Pause while any replica in `pg_stat_replication` replays more than this far behind, ms. */
    maxReplicationLagMs: z.number().int().positive().optional(),
    /** Pause while more than this many sessions are active (`pg_stat_activity`, state active). */
    maxActiveConnections: z.number().int().positive().optional(),
  })
  .strict();

/** A declarative backfill, as written in `<version>_<name>.backfill.json` or a `.backfill.ts` default export. */
export const BackfillSpecSchema = z
  .object({
    /** Table to backfill, optionally schema-qualified (`public.users`). */
    table: z
      .string()
      .min(1)
      .regex(/^[^.]+(\.[^.]+)?$/, 'table is "name" or "schema.name"'),
    /**
     * Target column -> SQL expression over the row (old columns). With `run`, the expressions are still
     * what the `sync` trigger computes for rows the old application version writes.
     */
    set: z
      .record(identifier, z.string().min(1))
      .refine((set) => Object.keys(set).length > 0, 'set names at least one column'),
    /** Rows that still need the backfill; makes batches idempotent. Default: any target column IS NULL. */
    where: z.string().min(1).optional(),
    /** Key column(s) to walk; default the primary key. NOT NULL columns that lead a btree index. */
    key: z.union([identifier, z.array(identifier).min(1)]).optional(),
    /** Starting batch size (rows); adaptive sizing takes over after the first batch. @default 1000 */
    batchSize: z.number().int().positive().max(1_000_000).optional(),
    /** Smallest batch adaptive sizing may choose. @default 100 (or batchSize when smaller) */
    minBatchSize: z.number().int().positive().max(1_000_000).optional(),
    /** Largest batch adaptive sizing may choose. @default 100000 */
    maxBatchSize: z.number().int().positive().max(1_000_000).optional(),
    /** Keep rows the old application version writes right until contract, with a trigger. */
    sync: z.boolean().optional(),
    /**
     * Two-way sync: old column -> SQL expression over the row (new columns) that the sync trigger
     * computes when the new application version writes (new -> old). Needs `sync: true`.
     * See docs/versioned-schemas.md.
     */
    reverse: z
      .record(identifier, z.string().min(1))
      .refine((reverse) => Object.keys(reverse).length > 0, 'reverse names at least one column')
      .optional(),
    /** Key-range partitions that can run side by side. @default 1 */
    partitions: z.number().int().positive().max(64).optional(),
    /** Target batch duration in milliseconds for adaptive sizing. @default 200 */
    targetBatchMs: z.number().int().positive().max(60_000).optional(),
    /** Pauses between batches. */
    throttle: BackfillThrottleSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.reverse === undefined) return;
    if (!spec.sync) {
      ctx.addIssue({
        code: 'custom',
        path: ['reverse'],
        message: 'reverse is two-way sync and needs "sync": true',
      });
    }
    for (const column of Object.keys(spec.reverse)) {
      if (column in spec.set) {
        ctx.addIssue({
          code: 'custom',
          path: ['reverse', column],
          message: `${column} is a target of set; reverse computes the old columns, set the new ones`,
        });
      }
    }
  });

export type BackfillThrottle = z.infer<typeof BackfillThrottleSchema>;

/** One batch handed to a custom backfill: the keys of the rows that still need it (locked), and the client. */
export interface CustomBackfillBatch {
  /** One array per row, the key columns in key order, as node-postgres returns them. */
  readonly keys: unknown[][];
  /** The backfill's own client, inside the batch's transaction: what `run` writes commits with the batch. */
  readonly client: unknown;
}

export type BackfillSpec = z.infer<typeof BackfillSpecSchema> & {
  /** A custom backfill: receives each batch's keys and a client (`.backfill.ts` only). */
  readonly run?: (batch: CustomBackfillBatch) => Promise<void>;
};
