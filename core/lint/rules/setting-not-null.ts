import { alterTable, sqlName, strings } from '../ast.ts';
import type { LintRule, Violation } from '../types.ts';

function safeSteps(table: string, column: string): string {
  const check = sqlName(`${table.split('.').pop()}_${column}_not_null`);
  return [
    `ALTER TABLE ${sqlName(table)} ADD CONSTRAINT ${check} CHECK (${sqlName(column)} IS NOT NULL) NOT VALID;`,
    `-- next migration: ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT ${check};`,
    `-- then: ALTER TABLE ${sqlName(table)} ALTER COLUMN ${sqlName(column)} SET NOT NULL; ALTER TABLE ${sqlName(table)} DROP CONSTRAINT ${check};`,
  ].join('\n');
}

/** SET NOT NULL without a validated CHECK (column IS NOT NULL) to prove it. */
export const settingNotNull: LintRule = {
  id: 'setting-not-null',
  title: 'SET NOT NULL without a validated CHECK',
  severity: { expand: 'error', contract: 'error' },
  why: 'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock to prove there is no NULL. When a validated CHECK (column IS NOT NULL) already proves it, PostgreSQL 12+ skips the scan. Add the CHECK NOT VALID (an instant), VALIDATE it in a later migration (reads and writes go on), then SET NOT NULL.',
  hint: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
  examples: {
    unsafe: { phase: 'contract', sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;' },
    safe: {
      phase: 'contract',
      before: [
        'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
        'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
      ],
      sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_email_not_null;',
    },
  },
  check(statement, context) {
    const alter = alterTable(statement.node);
    if (!alter || context.facts.isNewTable(alter.table)) return [];
    const violations: Violation[] = [];
    for (const { subtype, cmd } of alter.commands) {
      let column: string | undefined;
      if (subtype === 'AT_SetNotNull') column = cmd.name;
      const constraint = cmd.def?.Constraint;
      // PostgreSQL 18: ADD CONSTRAINT … NOT NULL col is SET NOT NULL unless it says NOT VALID
      if (
        subtype === 'AT_AddConstraint' &&
        constraint?.contype === 'CONSTR_NOTNULL' &&
        !constraint.skip_validation
      ) {
        column = strings(constraint.keys)[0];
      }
      if (!column || context.facts.hasValidatedNotNullCheck(alter.table, column)) continue;
      violations.push({
        message: `SET NOT NULL on ${sqlName(alter.table)}.${sqlName(column)} scans the whole table under ACCESS EXCLUSIVE: no validated CHECK (${sqlName(column)} IS NOT NULL) proves it first`,
        hint: safeSteps(alter.table, column),
        location: constraint?.location,
      });
    }
    return violations;
  },
};
