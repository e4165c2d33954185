import { sqlName } from '../ast.ts';
import { columnsAddedToExistingTables, SERIAL_TYPES } from '../changes.ts';
import type { LintRule } from '../types.ts';

// These give every existing row a value, so NOT NULL holds without a default of the user's.
const FILLS_ROWS = new Set(['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED']);

/** ADD COLUMN … NOT NULL without a default on a table that already has rows. */
export const addingRequiredColumn: LintRule = {
  id: 'adding-required-column',
  title: 'ADD COLUMN NOT NULL without a default',
  severity: { expand: 'error', contract: 'error' },
  why: 'Existing rows have no value for the new column, so the ALTER fails on any table that has rows; and on an empty table, every INSERT of the application version that does not know the column fails from then on.',
  hint: 'ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL;' },
    safe: {
      phase: 'expand',
      sql: 'ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;',
    },
  },
  check(statement, context) {
    return columnsAddedToExistingTables(statement.node, (t) => context.facts.isNewTable(t))
      .filter(
        (c) =>
          c.constraints.some((k) => k.contype === 'CONSTR_NOTNULL' || k.contype === 'CONSTR_PRIMARY') &&
          !c.constraints.some((k) => FILLS_ROWS.has(k.contype)) &&
          !SERIAL_TYPES.has(c.type.name),
      )
      .map((c) => ({
        message: `ADD COLUMN ${sqlName(c.column)} NOT NULL without a default on ${sqlName(c.table)}: it fails when the table has rows, and old application code that inserts without ${sqlName(c.column)} fails after it`,
        hint: `ALTER TABLE ${sqlName(c.table)} ADD COLUMN ${sqlName(c.column)} … NOT NULL DEFAULT <constant>; -- or add it nullable, backfill it, and SET NOT NULL in contract after a validated CHECK`,
        location: c.location,
      }));
  },
};
