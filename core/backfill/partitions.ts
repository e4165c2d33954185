import type pg from 'pg';
import { quoteIdent } from '../sql/identifiers.ts';
import type { KeyValues } from './state.ts';
import type { BackfillTarget } from './target.ts';

/** One partition's key range `(startKey, endKey]` and how many rows it holds (estimated). */
export interface PlannedPartition {
  readonly startKey: KeyValues | null;
  readonly endKey: KeyValues | null;
  readonly rowsEstimated: number;
}

/** Tables estimated below this many rows get exact boundaries (one index-only pass); larger ones a sample. */
export const DEFAULT_EXACT_ROWS_LIMIT = 100_000;
/** How many sampled rows the boundaries of a large table come from. */
const SAMPLE_ROWS = 50_000;

function keyText(target: BackfillTarget): string {
  return target.key.map((c) => `${quoteIdent(c)}::text`).join(', ');
}

function keyOrder(target: BackfillTarget): string {
  return target.key.map(quoteIdent).join(', ');
}

async function tableSize(client: pg.ClientBase, target: BackfillTarget) {
  const { rows } = await client.query<{ reltuples: number; bytes: number }>(
    `SELECT reltuples::float8 AS reltuples, pg_relation_size(oid)::float8 AS bytes FROM pg_class WHERE oid = to_regclass($1)`,
    [target.sql],
  );
  return { reltuples: rows[0]?.reltuples ?? -1, bytes: rows[0]?.bytes ?? 0 };
}

/**
 * Splits the key range into `count` partitions that cover it exactly once: partition i is
 * `(boundary[i-1], boundary[i]]`, the first is unbounded below and the last ends at the largest key
 * now. Rows inserted later, beyond that key, are the sync trigger's or the new application version's,
 * so the backfill ends even under a constant insert stream. Boundaries are key quantiles: exact (from
 * the key's index) for tables up to `exactRowsLimit` rows, else from a `TABLESAMPLE SYSTEM` sample.
 *
 * @example
 * const parts = await planPartitions(client, target, 4);
 */
export async function planPartitions(
  client: pg.ClientBase,
  target: BackfillTarget,
  count: number,
  options: { exactRowsLimit?: number } = {},
): Promise<PlannedPartition[]> {
  const last = await client.query<string[]>({
    // qualified: a bare name in ORDER BY would sort the text output column of the same name
    text: `SELECT ${keyText(target)} FROM ${target.sql} AS t ORDER BY ${target.key.map((c) => `t.${quoteIdent(c)} DESC`).join(', ')} LIMIT 1`,
    rowMode: 'array',
  });
  const maxKey = last.rows[0] ?? null;
  if (maxKey === null) {
    return Array.from({ length: count }, () => ({ startKey: null, endKey: null, rowsEstimated: 0 }));
  }
  const size = await tableSize(client, target);
  const limit = options.exactRowsLimit ?? DEFAULT_EXACT_ROWS_LIMIT;
  // never analyzed (reltuples -1): a size below ~100 bytes per row of the limit is small enough to count
  const exact = size.reltuples >= 0 ? size.reltuples <= limit : size.bytes <= limit * 100;
  let source = target.sql;
  let params: unknown[] = [];
  let scale = 1;
  let total = -1;
  if (!exact) {
    const guess = size.reltuples >= 0 ? size.reltuples : size.bytes / 100;
    const percent = Math.min(100, Math.max(0.0001, (100 * SAMPLE_ROWS) / Math.max(guess, 1)));
    // REPEATABLE: the count and the boundaries below must come from the same sample
    const sample = `${target.sql} TABLESAMPLE SYSTEM ($1) REPEATABLE (1)`;
    const sampled = await client.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${sample}`, [
      percent,
    ]);
    const n = sampled.rows[0]?.n ?? 0;
    if (n > 0) {
      source = sample;
      params = [percent];
      total = n;
      scale = (size.reltuples >= 0 ? size.reltuples : (n * 100) / percent) / n;
    }
  }
  if (total < 0) {
    const counted = await client.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${source}`);
    total = counted.rows[0]?.n ?? 0;
  }
  // 1-based positions, in key order, of the last row of each partition but the last
  const positions = Array.from({ length: count - 1 }, (_, i) => Math.ceil(((i + 1) * total) / count));
  const boundaries = new Map<number, string[]>();
  if (positions.length > 0 && total > 0) {
    const p = params.length + 1;
    const { rows } = await client.query<string[]>({
      text: `SELECT position::text, ${target.key.map((_, i) => `k${i}`).join(', ')}
               FROM (SELECT row_number() OVER (ORDER BY ${keyOrder(target)}) AS position,
                            ${target.key.map((c, i) => `${quoteIdent(c)}::text AS k${i}`).join(', ')}
                       FROM ${source}) AS numbered
              WHERE position = ANY ($${p}::bigint[])`,
      values: [...params, positions],
      rowMode: 'array',
    });
    for (const [position, ...key] of rows) boundaries.set(Number(position), key);
  }
  const partitions: PlannedPartition[] = [];
  let start: KeyValues | null = null;
  let startPosition = 0;
  for (let i = 0; i < count; i++) {
    const position = i === count - 1 ? total : positions[i]!;
    // a boundary row deleted meanwhile (or none sampled): the range closes at the end, later ones are empty
    const end = i === count - 1 ? maxKey : (boundaries.get(position) ?? maxKey);
    partitions.push({
      startKey: start,
      endKey: end,
      rowsEstimated: Math.max(0, position - startPosition) * scale,
    });
    start = end;
    startPosition = Math.max(startPosition, position);
  }
  return partitions;
}
