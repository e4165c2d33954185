import { sqlName, typeText } from '../ast.ts';
import { type DeclaredColumn, declaredColumns } from '../changes.ts';
import type { LintRule } from '../types.ts';

const SMALL_INTEGERS = new Set([
  'int4',
  'int2',
  'int',
  'integer',
  'smallint',
  'serial',
  'serial4',
  'smallserial',
  'serial2',
]);

// why zerodown takes the column for a key, as the message says it
function keyReason(c: DeclaredColumn): string {
  if (c.primaryKey) return 'the primary key';
  if (c.constraints.some((k) => k.contype === 'CONSTR_IDENTITY')) return 'an identity column';
  if (c.type.name.includes('serial')) return 'filled from a sequence';
  return `named like a reference to another table's key (*_id)`;
}

/** A 32- or 16-bit key column: it runs out, and widening it later rewrites the table. */
export const preferBigint: LintRule = {
  id: 'prefer-bigint',
  title: 'integer or smallint for a key or a reference to one',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'An integer key stops at 2,147,483,647 (smallint at 32,767); busy tables get there, and changing the type later rewrites the table and every table that references it (see orders.id int to bigint in the example migrations). bigint costs 4 more bytes per row. zerodown warns for primary keys, identity and serial columns, and columns named id or *_id.',
  hint: 'CREATE TABLE payments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint NOT NULL);',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'CREATE TABLE payments (id serial PRIMARY KEY, order_id integer NOT NULL);',
    },
    safe: {
      phase: 'expand',
      sql: 'CREATE TABLE payments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint NOT NULL);',
    },
  },
  check(statement) {
    return declaredColumns(statement.node)
      .filter(
        (c) =>
          SMALL_INTEGERS.has(c.type.name) &&
          !c.type.array &&
          (c.primaryKey ||
            c.type.name.includes('serial') ||
            c.constraints.some((k) => k.contype === 'CONSTR_IDENTITY') ||
            /^id$|_id$/.test(c.column)),
      )
      .map((c) => ({
        message: `${sqlName(c.table)}.${sqlName(c.column)} is ${typeText(c.type)} and ${keyReason(c)}: ${c.column.endsWith('_id') && !c.primaryKey ? 'when the key it holds passes 2,147,483,647 it cannot take it' : 'it runs out of values'}, and widening it later rewrites the table; use bigint`,
        hint: `${sqlName(c.column)} ${c.type.name.includes('serial') ? 'bigint GENERATED ALWAYS AS IDENTITY' : 'bigint'}`,
        location: c.location,
      }));
  },
};
