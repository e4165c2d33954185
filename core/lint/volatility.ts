import { type Node, strings } from './ast.ts';

/**
 * How a column default behaves when ADD COLUMN fills existing rows. PostgreSQL 11+ stores a
 * non-volatile default once in the catalog (no rewrite); a volatile one is evaluated per row, which
 * rewrites the table under ACCESS EXCLUSIVE.
 */
export type Volatility = 'stable' | 'volatile' | { readonly unknown: string };

// Volatile functions people put in defaults (pg_proc.provolatile = 'v', and common extensions).
const VOLATILE = new Set([
  'random',
  'random_normal',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'gen_random_bytes',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'currval',
  'lastval',
  'setval',
  'txid_current',
  'pg_current_xact_id',
]);

// Immutable or stable functions: evaluated once when the column is added, so no rewrite.
const STABLE = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_setting',
  'date_trunc',
  'to_timestamp',
  'to_date',
  'make_date',
  'make_interval',
  'lower',
  'upper',
  'concat',
  'length',
  'abs',
  'round',
  'md5',
  'jsonb_build_object',
  'json_build_object',
  'jsonb_build_array',
  'json_build_array',
  'to_jsonb',
  'to_json',
  'array_fill',
  'timezone',
  'current_database',
  'current_schema',
  'inet_client_addr',
]);

function combine(parts: Volatility[]): Volatility {
  if (parts.includes('volatile')) return 'volatile';
  return parts.find((p) => typeof p === 'object') ?? 'stable';
}

/**
 * Classifies a default expression's parse tree: `stable` for constants, casts and stable functions
 * (`now()`), `volatile` for `gen_random_uuid()` and friends, `{ unknown }` naming a function zerodown
 * does not know.
 *
 * @example
 * defaultVolatility({ FuncCall: { funcname: [{ String: { sval: 'now' } }] } }); // 'stable'
 */
export function defaultVolatility(expression: Node | undefined): Volatility {
  if (!expression || typeof expression !== 'object') return 'stable';
  const [kind, body] = Object.entries(expression)[0] ?? [];
  switch (kind) {
    case 'A_Const':
    case 'SQLValueFunction':
      return 'stable';
    case 'TypeCast':
      return defaultVolatility(body?.arg);
    case 'FuncCall': {
      const name = (strings(body?.funcname).at(-1) ?? '').toLowerCase();
      const args = combine((body?.args ?? []).map(defaultVolatility));
      if (VOLATILE.has(name)) return 'volatile';
      if (STABLE.has(name)) return args;
      return args === 'volatile' ? 'volatile' : { unknown: `${name}()` };
    }
    case 'A_Expr':
      return combine([defaultVolatility(body?.lexpr), defaultVolatility(body?.rexpr)]);
    case 'A_ArrayExpr':
      return combine((body?.elements ?? []).map(defaultVolatility));
    case 'List':
      return combine((body?.items ?? []).map(defaultVolatility));
    case 'CoalesceExpr':
    case 'MinMaxExpr':
      return combine((body?.args ?? []).map(defaultVolatility));
    case 'BoolExpr':
      return combine((body?.args ?? []).map(defaultVolatility));
    default:
      return { unknown: kind ?? 'expression' };
  }
}
