import { type Node, strings } from './ast.ts';

/**
 * How a column default behaves when ADD COLUMN fills existing rows. PostgreSQL 11+ stores a
 * non-volatile default once in the catalog (no rewrite); a volatile one is evaluated per row, which
 * rewrites the table under ACCESS EXCLUSIVE.
 */
export type Volatility =
  | 'stable'
  | 'volatile'
  | { readonly unknown: string }
  /** A function zerodown does not know and no earlier CREATE FUNCTION declares: VOLATILE, as PostgreSQL's default. */
  | { readonly undeclared: string };

/** What earlier migrations declared about a function (`SchemaFacts.functionVolatility`). */
export type DeclaredVolatility = (name: string) => 'immutable' | 'stable' | 'volatile' | undefined;

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
  'format',
  'concat_ws',
  'replace',
  'trim',
  'btrim',
  'ltrim',
  'rtrim',
  'substr',
  'substring',
  'left',
  'right',
  'repeat',
  'lpad',
  'rpad',
  'initcap',
  'split_part',
  'regexp_replace',
  'string_to_array',
  'array_to_string',
  'to_char',
  'to_number',
  'date_part',
  'extract',
  'age',
  'make_timestamp',
  'make_timestamptz',
  'floor',
  'ceil',
  'ceiling',
  'trunc',
  'sign',
  'mod',
  'power',
  'sqrt',
  'encode',
  'decode',
  'sha256',
  'sha512',
  'array_length',
  'cardinality',
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'uuid_nil',
  'jsonb_object',
  'json_object',
  'row_to_json',
]);

function combine(parts: Volatility[]): Volatility {
  if (parts.includes('volatile')) return 'volatile';
  return (
    parts.find((p) => typeof p === 'object' && 'undeclared' in p) ??
    parts.find((p) => typeof p === 'object') ??
    'stable'
  );
}

/**
 * Classifies a default expression's parse tree: `stable` for constants, casts and stable functions
 * (`now()`, or one an earlier CREATE FUNCTION declared IMMUTABLE or STABLE), `volatile` for
 * `gen_random_uuid()` and friends, `{ undeclared }` naming a function zerodown knows nothing about
 * (VOLATILE, PostgreSQL's default), `{ unknown }` for an expression it cannot read.
 *
 * @example
 * defaultVolatility({ FuncCall: { funcname: [{ String: { sval: 'now' } }] } }); // 'stable'
 */
export function defaultVolatility(
  expression: Node | undefined,
  declared: DeclaredVolatility = () => undefined,
): Volatility {
  if (!expression || typeof expression !== 'object') return 'stable';
  const inner = (e: Node | undefined) => defaultVolatility(e, declared);
  const [kind, body] = Object.entries(expression)[0] ?? [];
  switch (kind) {
    case 'A_Const':
    case 'SQLValueFunction':
      return 'stable';
    case 'TypeCast':
      return inner(body?.arg);
    case 'FuncCall': {
      const names = strings(body?.funcname);
      const name = (names.at(-1) ?? '').toLowerCase();
      const args = combine((body?.args ?? []).map(inner));
      const own = declared(names.filter((n) => n !== 'public').join('.'));
      if (own === 'volatile' || (own === undefined && VOLATILE.has(name))) return 'volatile';
      if (own !== undefined || STABLE.has(name)) return args;
      return args === 'volatile' ? 'volatile' : { undeclared: `${names.join('.')}()` };
    }
    case 'A_Expr':
      return combine([inner(body?.lexpr), inner(body?.rexpr)]);
    case 'A_ArrayExpr':
      return combine((body?.elements ?? []).map(inner));
    case 'List':
      return combine((body?.items ?? []).map(inner));
    case 'CoalesceExpr':
    case 'MinMaxExpr':
      return combine((body?.args ?? []).map(inner));
    case 'BoolExpr':
      return combine((body?.args ?? []).map(inner));
    default:
      return { unknown: kind ?? 'expression' };
  }
}
