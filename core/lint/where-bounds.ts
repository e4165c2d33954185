/**
 * How many rows a WHERE clause can match at most, read from its constants alone: `id = 5` is one row,
 * `key IN ('a', 'b')` two, `id < 10` nine (keys start at 1), `id BETWEEN 100 AND 199` a hundred.
 */
import { type Node, strings } from './ast.ts';

// Columns that usually pick out one row or a handful; anything else may match the whole table.
const PICKS_FEW_ROWS = /^(id|key|slug|code|name|email|uuid)$|_(id|key|code|uuid)$/;
// Integer keys whose ranges count rows: identity and serial keys start at 1 and are unique.
const INTEGER_KEY = /^id$|_id$/;

function isConstant(node: Node | undefined): boolean {
  if (!node) return false;
  if (node.A_Const || node.ParamRef) return true;
  return node.TypeCast ? isConstant(node.TypeCast.arg) : false;
}

function integer(node: Node | undefined): number | undefined {
  const value = node?.A_Const?.ival;
  if (value) return Number(value.ival ?? 0);
  const minus = node?.A_Expr;
  if (minus?.kind === 'AEXPR_OP' && strings(minus.name)[0] === '-' && !minus.lexpr) {
    const n = integer(minus.rexpr);
    return n === undefined ? undefined : -n;
  }
  return undefined;
}

/** A range on one integer key column: `[low, high]`, both inclusive. */
interface KeyRange {
  readonly column: string;
  readonly low: number;
  readonly high: number;
}

function keyRange(expr: Node | undefined): KeyRange | undefined {
  const column = strings(expr?.lexpr?.ColumnRef?.fields).at(-1) ?? '';
  if (!expr || !INTEGER_KEY.test(column)) return undefined;
  if (expr.kind === 'AEXPR_BETWEEN') {
    const [a, b] = (expr.rexpr?.List?.items ?? []).map(integer);
    return a === undefined || b === undefined ? undefined : { column, low: a, high: b };
  }
  const n = integer(expr.rexpr);
  if (expr.kind !== 'AEXPR_OP' || n === undefined) return undefined;
  const op = strings(expr.name)[0];
  if (op === '<') return { column, low: 1, high: n - 1 };
  if (op === '<=') return { column, low: 1, high: n };
  if (op === '>') return { column, low: n + 1, high: Number.POSITIVE_INFINITY };
  if (op === '>=') return { column, low: n, high: Number.POSITIVE_INFINITY };
  return undefined;
}

/** A condition that names a few rows by equality: `id = 5`, `key IN ('a', 'b')`. */
function picksFewRows(where: Node | undefined): boolean {
  const expr = where?.A_Expr;
  if (!expr) return false;
  const column = strings(expr.lexpr?.ColumnRef?.fields).at(-1) ?? '';
  if (!PICKS_FEW_ROWS.test(column)) return false;
  if (expr.kind === 'AEXPR_OP' && strings(expr.name)[0] === '=') return isConstant(expr.rexpr);
  if (expr.kind === 'AEXPR_IN') return (expr.rexpr?.List?.items ?? []).every(isConstant);
  return false;
}

/** What a WHERE shows about the rows it matches. */
export type RowBound = { readonly few: true } | { readonly range: string; readonly rows: number } | undefined;

/**
 * `few` for equality on an id-like column; `{ range, rows }` for a bounded range on an integer key
 * (`id < 10`: at most 9 rows, counting from 1); undefined when the WHERE shows no bound.
 *
 * @example
 * rowBound(parse('id BETWEEN 1 AND 50')); // { range: 'id 1..50', rows: 50 }
 */
export function rowBound(where: Node | undefined): RowBound {
  if (!where) return undefined;
  const parts: Node[] = where.BoolExpr?.boolop === 'AND_EXPR' ? (where.BoolExpr.args ?? []) : [where];
  if (parts.some(picksFewRows)) return { few: true };
  const ranges = new Map<string, { low: number; high: number }>();
  for (const part of parts) {
    const range = keyRange(part.A_Expr);
    if (!range) continue;
    const known = ranges.get(range.column) ?? {
      low: Number.NEGATIVE_INFINITY,
      high: Number.POSITIVE_INFINITY,
    };
    ranges.set(range.column, { low: Math.max(known.low, range.low), high: Math.min(known.high, range.high) });
  }
  let best: { range: string; rows: number } | undefined;
  for (const [column, { low, high }] of ranges) {
    const rows = Math.max(0, high - low + 1);
    if (Number.isFinite(rows) && (!best || rows < best.rows))
      best = { range: `${column} ${low}..${high}`, rows };
  }
  return best;
}
