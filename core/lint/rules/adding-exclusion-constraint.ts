import { sqlName } from '../ast.ts';
import { addedConstraints } from '../changes.ts';
import type { LintRule } from '../types.ts';

/** ADD CONSTRAINT … EXCLUDE on a table in use: an index build under ACCESS EXCLUSIVE, never NOT VALID. */
export const addingExclusionConstraint: LintRule = {
  id: 'adding-exclusion-constraint',
  title: 'ADD CONSTRAINT … EXCLUDE on an existing table',
  severity: { expand: 'error', contract: 'error' },
  why: 'An EXCLUDE constraint is backed by an index that ALTER TABLE builds while it holds ACCESS EXCLUSIVE on the table: no reads or writes until every row is indexed and checked. Unlike CHECK and FOREIGN KEY it cannot be added NOT VALID (PostgreSQL: "EXCLUDE constraints cannot be marked NOT VALID"), and unlike UNIQUE it cannot be attached to an index built CONCURRENTLY. Declare it when the table is created; on a table in use, enforce the rule another way (a trigger, or a UNIQUE constraint when equality is enough) or accept a maintenance window.',
  hint: 'CREATE TABLE bookings (room_id bigint, during tstzrange, EXCLUDE USING gist (room_id WITH =, during WITH &&)); -- on a new table',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);',
    },
    safe: {
      phase: 'expand',
      sql: 'CREATE TABLE bookings (room_id bigint, during tstzrange, EXCLUDE USING gist (room_id WITH =, during WITH &&));',
    },
  },
  check(statement, context) {
    return addedConstraints(statement.node)
      .filter((c) => c.constraint.contype === 'CONSTR_EXCLUSION' && !context.facts.isNewTable(c.table))
      .map((c) => ({
        message: `ADD CONSTRAINT${c.constraint.conname ? ` ${sqlName(c.constraint.conname)}` : ''} EXCLUDE on ${sqlName(c.table)} builds its index under ACCESS EXCLUSIVE (no reads or writes until done), and an EXCLUDE constraint cannot be NOT VALID`,
        location: c.location,
      }));
  },
};
