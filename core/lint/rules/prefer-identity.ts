import { sqlName } from '../ast.ts';
import { declaredColumns, SERIAL_TYPES } from '../changes.ts';
import type { LintRule } from '../types.ts';

/** serial / bigserial instead of an identity column. */
export const preferIdentity: LintRule = {
  id: 'prefer-identity',
  title: 'serial instead of an identity column',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'serial creates a separate sequence with its own owner and grants, lets explicit inserts silently skip it, and is a PostgreSQL extension; GENERATED … AS IDENTITY is the SQL-standard column that owns its sequence and refuses (ALWAYS) or documents (BY DEFAULT) manual values.',
  hint: 'CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);',
  examples: {
    unsafe: { phase: 'expand', sql: 'CREATE TABLE invoices (id bigserial PRIMARY KEY);' },
    safe: {
      phase: 'expand',
      sql: 'CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);',
    },
  },
  check(statement) {
    return declaredColumns(statement.node)
      .filter((c) => SERIAL_TYPES.has(c.type.name))
      .map((c) => ({
        message: `${sqlName(c.table)}.${sqlName(c.column)} is ${c.type.name}; use an identity column`,
        hint: `${sqlName(c.column)} ${c.type.name.startsWith('small') ? 'smallint' : 'bigint'} GENERATED ALWAYS AS IDENTITY`,
        location: c.location,
      }));
  },
};
