import { sqlName } from '../ast.ts';
import { columnsAddedToExistingTables, SERIAL_TYPES } from '../changes.ts';
import { FAST_DEFAULT_SINCE } from '../pg-versions.ts';
import type { LintRule, Violation } from '../types.ts';
import { defaultVolatility } from '../volatility.ts';

/** ADD COLUMN whose value is computed per row: a volatile default, serial, identity, stored generated column. */
export const addingVolatileDefault: LintRule = {
  id: 'adding-volatile-default',
  title: 'ADD COLUMN with a volatile default, serial, identity or stored generated column',
  severity: { expand: 'error', contract: 'error' },
  why: 'PostgreSQL 11+ adds a column with a constant or stable default (now()) by writing the default once in the catalog. A default computed per row (gen_random_uuid(), random(), clock_timestamp(), nextval() behind serial, an identity, a stored generated column) makes PostgreSQL rewrite the whole table and its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until it is done. A function zerodown does not know counts as volatile, as CREATE FUNCTION makes it unless it says IMMUTABLE or STABLE; a CREATE FUNCTION … STABLE (or IMMUTABLE) in an earlier migration tells zerodown otherwise. Before PostgreSQL 11 (--pg-version 10 or older) every default, constant or not, rewrites the table.',
  hint: 'ALTER TABLE orders ADD COLUMN public_id uuid; -- then backfill it in batches, then SET DEFAULT gen_random_uuid() for new rows',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();',
    },
    safe: {
      phase: 'expand',
      sql: 'ALTER TABLE orders ADD COLUMN public_id uuid;\nALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();',
    },
  },
  check(statement, context) {
    const violations: Violation[] = [];
    for (const c of columnsAddedToExistingTables(statement.node, (t) => context.facts.isNewTable(t))) {
      const target = `${sqlName(c.table)}.${sqlName(c.column)}`;
      const safe = `ALTER TABLE ${sqlName(c.table)} ADD COLUMN ${sqlName(c.column)} <type>; -- nullable, no default: catalog-only\n-- then a .backfill.json fills existing rows in batches, and ALTER COLUMN … SET DEFAULT … covers new rows`;
      let cause: string | undefined;
      if (SERIAL_TYPES.has(c.type.name)) cause = `${c.type.name} (a nextval() default per row)`;
      for (const k of c.constraints) {
        if (k.contype === 'CONSTR_IDENTITY') cause = 'an identity column';
        if (k.contype === 'CONSTR_GENERATED' && k.generated_kind !== 'v') cause = 'a stored generated column';
        const old = context.pgVersion !== undefined && context.pgVersion < FAST_DEFAULT_SINCE;
        if (k.contype === 'CONSTR_DEFAULT' && old && !k.raw_expr?.A_Const?.isnull) {
          cause = `a default on PostgreSQL ${context.pgVersion} (before ${FAST_DEFAULT_SINCE}, every default is written into each row)`;
        } else if (k.contype === 'CONSTR_DEFAULT') {
          const volatility = defaultVolatility(k.raw_expr, (name) => context.facts.functionVolatility(name));
          if (volatility === 'volatile') cause = 'a volatile default';
          else if (typeof volatility === 'object' && 'undeclared' in volatility) {
            cause = `default ${volatility.undeclared}, which no earlier migration declares IMMUTABLE or STABLE (CREATE FUNCTION is VOLATILE unless it says otherwise), so zerodown counts it as volatile`;
          } else if (typeof volatility === 'object' && !cause) {
            violations.push({
              message: `ADD COLUMN ${target} with default ${volatility.unknown}: zerodown cannot tell whether it is volatile; if it is, PostgreSQL rewrites ${sqlName(c.table)} under ACCESS EXCLUSIVE`,
              hint: safe,
              location: k.location,
              downgrade: true,
            });
          }
        }
      }
      if (cause) {
        violations.push({
          message: `ADD COLUMN ${target} with ${cause} rewrites all of ${sqlName(c.table)} under ACCESS EXCLUSIVE: reads and writes wait until it finishes`,
          hint: safe,
          location: c.location,
        });
      }
    }
    return violations;
  },
};
