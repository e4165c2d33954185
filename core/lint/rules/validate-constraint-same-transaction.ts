import { alterTable, sqlName } from '../ast.ts';
import type { LintRule, Violation } from '../types.ts';

/** VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID. */
export const validateConstraintSameTransaction: LintRule = {
  id: 'validate-constraint-same-transaction',
  title: 'VALIDATE CONSTRAINT in the same transaction as ADD … NOT VALID',
  severity: { expand: 'error', contract: 'error' },
  why: 'NOT VALID exists so that the lock ADD CONSTRAINT takes is released at once. Validating in the same transaction keeps that lock (ACCESS EXCLUSIVE for a CHECK) while VALIDATE scans every row, which is exactly the outage NOT VALID avoids. Commit the ADD first: VALIDATE in a migration of its own only takes SHARE UPDATE EXCLUSIVE.',
  hint: '-- migration 1: ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n-- migration 2: ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
  examples: {
    unsafe: {
      phase: 'contract',
      sql: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
    },
    safe: {
      phase: 'contract',
      before: ['ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;'],
      sql: 'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
    },
  },
  check(statement, context) {
    const alter = alterTable(statement.node);
    if (!alter) return [];
    const violations: Violation[] = [];
    const addedHere = new Set<string>();
    for (const { subtype, cmd } of alter.commands) {
      const constraint = cmd.def?.Constraint;
      if (subtype === 'AT_AddConstraint' && constraint?.skip_validation && constraint.conname) {
        addedHere.add(constraint.conname);
      }
      if (subtype !== 'AT_ValidateConstraint' || !cmd.name) continue;
      if (!addedHere.has(cmd.name) && !context.facts.addedNotValidInThisTransaction(alter.table, cmd.name))
        continue;
      violations.push({
        message: `VALIDATE CONSTRAINT ${sqlName(cmd.name)} runs in the transaction that added it NOT VALID, so the ADD's lock on ${sqlName(alter.table)} is held during the whole scan`,
        hint: `-- the next migration, a file of its own:\nALTER TABLE ${sqlName(alter.table)} VALIDATE CONSTRAINT ${sqlName(cmd.name)};`,
      });
    }
    return violations;
  },
};
