import { alterTable, relationKey, sqlName } from '../ast.ts';
import { addedConstraints, columnsAddedToExistingTables } from '../changes.ts';
import type { LintRule, Violation } from '../types.ts';

const KINDS: Record<string, string> = { CONSTR_FOREIGN: 'FOREIGN KEY', CONSTR_CHECK: 'CHECK' };

/** ADD FOREIGN KEY or CHECK that validates every row while holding its lock. */
export const constraintMissingNotValid: LintRule = {
  id: 'constraint-missing-not-valid',
  title: 'ADD FOREIGN KEY or CHECK without NOT VALID',
  severity: { expand: 'error', contract: 'error' },
  why: 'Adding a CHECK or FOREIGN KEY checks every existing row while holding the lock it took: ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE on both tables for a foreign key, so writes wait for the whole scan. Added NOT VALID, the constraint applies to new rows at once and the lock is held only for an instant; VALIDATE CONSTRAINT later checks the old rows under a lock that lets reads and writes go on.',
  hint: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n-- next migration: ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);',
    },
    safe: {
      phase: 'expand',
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;',
    },
  },
  check(statement, context) {
    const violations: Violation[] = [];
    const single = alterTable(statement.node)?.commands.length === 1;
    for (const { table, constraint, location } of addedConstraints(statement.node)) {
      const kind = KINDS[constraint.contype];
      if (!kind || constraint.skip_validation || context.facts.isNewTable(table)) continue;
      const name = constraint.conname ? ` ${sqlName(constraint.conname)}` : '';
      const other = constraint.pktable ? ` and ${sqlName(relationKey(constraint.pktable))}` : '';
      violations.push({
        message: `ADD CONSTRAINT${name} ${kind} on ${sqlName(table)} checks every row while it blocks writes to ${sqlName(table)}${other}; add it NOT VALID and VALIDATE it in a later migration`,
        hint: `${single ? statement.sql : `ALTER TABLE ${sqlName(table)} ADD CONSTRAINT${name || ' <name>'} ${kind} …`} NOT VALID;\n-- next migration: ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT${name || ' <name>'};`,
        location,
      });
    }
    for (const c of columnsAddedToExistingTables(statement.node, (t) => context.facts.isNewTable(t))) {
      for (const k of c.constraints) {
        const kind = KINDS[k.contype];
        if (!kind) continue;
        violations.push({
          message: `ADD COLUMN ${sqlName(c.column)} with an inline ${kind} on ${sqlName(c.table)} validates it under the ALTER's lock; an inline constraint cannot be NOT VALID`,
          hint: `ALTER TABLE ${sqlName(c.table)} ADD COLUMN ${sqlName(c.column)} …; -- without the constraint\nALTER TABLE ${sqlName(c.table)} ADD CONSTRAINT <name> ${kind} … NOT VALID;\n-- next migration: VALIDATE CONSTRAINT <name>`,
          location: k.location,
        });
      }
    }
    return violations;
  },
};
