import { quoteIdent } from '../sql/identifiers.ts';
import type { BackfillTarget } from './target.ts';

/**
 * The SQL of one batch, built from the target alone: key values always travel as parameters (`$n`, as
 * text, which PostgreSQL casts to each key column's type); only identifiers (quoted) and the spec's
 * own SQL expressions are part of the text.
 */
export interface SqlWithParams {
  readonly text: string;
  readonly values: readonly string[];
}

/** A key range `(after, upTo]`; null is unbounded on that side. */
export interface KeyRange {
  readonly after: readonly string[] | null;
  readonly upTo: readonly string[] | null;
}

type KeyShape = Pick<BackfillTarget, 'key'>;

function keyTuple(target: KeyShape): string {
  const columns = target.key.map(quoteIdent);
  return columns.length === 1 ? columns[0]! : `(${columns.join(', ')})`;
}

function paramTuple(first: number, count: number): string {
  const params = Array.from({ length: count }, (_, i) => `$${first + i}`);
  return count === 1 ? params[0]! : `(${params.join(', ')})`;
}

/**
 * The condition selecting a key range. A row comparison on the key (`(a, b) > ($1, $2)`) is what
 * PostgreSQL turns into an index range scan on a composite index.
 *
 * @example
 * rangeCondition({ key: ['id'] }, { after: ['10'], upTo: ['20'] }, 1);
 * // { text: '"id" > $1 AND "id" <= $2', values: ['10', '20'] }
 */
export function rangeCondition(target: KeyShape, range: KeyRange, firstParam = 1): SqlWithParams {
  const parts: string[] = [];
  const values: string[] = [];
  const n = target.key.length;
  if (range.after) {
    parts.push(`${keyTuple(target)} > ${paramTuple(firstParam + values.length, n)}`);
    values.push(...range.after);
  }
  if (range.upTo) {
    parts.push(`${keyTuple(target)} <= ${paramTuple(firstParam + values.length, n)}`);
    values.push(...range.upTo);
  }
  return { text: parts.length > 0 ? parts.join(' AND ') : 'true', values };
}

/**
 * The cheap index-only probe that bounds the next batch: the last key among the next `limit` keys of
 * the range, and how many keys it saw (fewer than `limit` means the range ends in this batch).
 * Aggregates over the ordered scan instead of sorting it again: the last element of `array_agg` is the
 * last key read (if the order were ever lost, the batch would only end earlier; no row is skipped).
 * Columns: `rows`, then one text column per key column.
 *
 * @example
 * probeSql({ key: ['id'], sql: '"users"' }, { after: ['0'], upTo: ['1000000'] }, 5000);
 */
export function probeSql(
  target: Pick<BackfillTarget, 'key' | 'sql'>,
  range: KeyRange,
  limit: number,
): SqlWithParams {
  const condition = rangeCondition(target, range, 2);
  const columns = target.key.map(quoteIdent);
  return {
    text: [
      `SELECT count(*) AS rows, ${columns.map((c) => `(array_agg(${c}))[count(*)]::text`).join(', ')}`,
      `  FROM (SELECT ${columns.join(', ')} FROM ${target.sql}`,
      `         WHERE ${condition.text}`,
      `         ORDER BY ${columns.join(', ')} LIMIT $1) AS next_keys`,
    ].join('\n'),
    values: [String(limit), ...condition.values],
  };
}

/**
 * The batch: one UPDATE bounded by the key range the probe found. It stays an index range scan at
 * every batch size, where joining a `LIMIT n` batch flips to worse plans as n grows. The spec's `where`
 * skips rows already done, so a repeated batch changes nothing.
 *
 * @example
 * updateSql(target, { after: ['0'], upTo: ['5000'] });
 * // UPDATE "users" SET "display_name" = (username) WHERE "id" > $1 AND "id" <= $2 AND (display_name IS NULL)
 */
export function updateSql(
  target: Pick<BackfillTarget, 'key' | 'sql' | 'set' | 'where'>,
  range: KeyRange,
): SqlWithParams {
  const condition = rangeCondition(target, range);
  const assignments = Object.entries(target.set).map(
    ([column, expression]) => `${quoteIdent(column)} = (${expression})`,
  );
  return {
    text: `UPDATE ${target.sql} SET ${assignments.join(', ')} WHERE ${condition.text} AND (${target.where})`,
    values: condition.values,
  };
}

/**
 * For custom backfills: the keys of the batch's rows that still need it, locked in key order
 * (`FOR NO KEY UPDATE`: the application's own updates of other rows go on).
 *
 * @example
 * batchKeysSql(target, { after: ['0'], upTo: ['5000'] });
 */
export function batchKeysSql(
  target: Pick<BackfillTarget, 'key' | 'sql' | 'where'>,
  range: KeyRange,
): SqlWithParams {
  const condition = rangeCondition(target, range);
  const columns = target.key.map(quoteIdent).join(', ');
  return {
    text: `SELECT ${columns} FROM ${target.sql} WHERE ${condition.text} AND (${target.where}) ORDER BY ${columns} FOR NO KEY UPDATE`,
    values: condition.values,
  };
}
