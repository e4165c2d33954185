import { z } from 'zod';

const identifier = z.string().min(1).max(63);

/** A declarative backfill, as written in `<version>_<name>.backfill.json` or a `.backfill.ts` default export. */
export const BackfillSpecSchema = z
  .object({
    /** Table to backfill, optionally schema-qualified (`public.users`). */
    table: z
      .string()
      .min(1)
      .regex(/^[^.]+(\.[^.]+)?$/, 'table is "name" or "schema.name"'),
    /** Target column -> SQL expression over the row (old columns). */
    set: z
      .record(identifier, z.string().min(1))
      .refine((set) => Object.keys(set).length > 0, 'set names at least one column'),
    /** Rows that still need the backfill; makes batches idempotent. Default: any target column IS NULL. */
    where: z.string().min(1).optional(),
    /** Key column(s) to walk; default the primary key. */
    key: z.union([identifier, z.array(identifier).min(1)]).optional(),
    /** Starting batch size (rows). */
    batchSize: z.number().int().positive().max(1_000_000).optional(),
    /** Keep rows the old application version writes right until contract, with a trigger. */
    sync: z.boolean().optional(),
    /** Key-range partitions that can run side by side. */
    partitions: z.number().int().positive().max(64).optional(),
    /** Target batch duration in milliseconds for adaptive sizing. */
    targetBatchMs: z.number().int().positive().max(60_000).optional(),
  })
  .strict();

export type BackfillSpec = z.infer<typeof BackfillSpecSchema> & {
  /** A custom backfill: receives each batch's keys and a client (`.backfill.ts` only). */
  readonly run?: (batch: { keys: unknown[][]; client: unknown }) => Promise<void>;
};
