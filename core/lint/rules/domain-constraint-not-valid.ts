import { sqlName, strings } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** ALTER DOMAIN … ADD CONSTRAINT without NOT VALID: checks every column of the domain under SHARE locks. */
export const domainConstraintNotValid: LintRule = {
  id: 'domain-constraint-not-valid',
  title: 'ALTER DOMAIN … ADD CONSTRAINT without NOT VALID',
  severity: { expand: 'error', contract: 'error' },
  why: 'ALTER DOMAIN … ADD CONSTRAINT checks every row of every table with a column of that domain, holding a SHARE lock on each of those tables for the whole scan (pg_locks on PostgreSQL 15): writes to all of them wait. Added NOT VALID it takes no table lock and applies to new values at once; ALTER DOMAIN … VALIDATE CONSTRAINT later checks the old rows. SET NOT NULL on a domain has no NOT VALID form.',
  hint: 'ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0) NOT VALID;\n-- next migration: ALTER DOMAIN positive_amount VALIDATE CONSTRAINT positive_amount_check;',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0);',
    },
    safe: {
      phase: 'expand',
      sql: 'ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0) NOT VALID;',
    },
  },
  check(statement) {
    const alter = statement.node.AlterDomainStmt;
    const domain = sqlName(strings(alter?.typeName).join('.'));
    if (alter?.subtype === 'O') {
      return [
        {
          message: `ALTER DOMAIN ${domain} SET NOT NULL checks every column of the domain in every table while it holds locks on them; it has no NOT VALID form`,
          hint: `ALTER DOMAIN ${domain} ADD CONSTRAINT ${strings(alter.typeName).at(-1)}_not_null CHECK (VALUE IS NOT NULL) NOT VALID;`,
        },
      ];
    }
    const constraint = alter?.subtype === 'C' ? alter.def?.Constraint : undefined;
    if (!constraint || constraint.skip_validation) return [];
    const name = constraint.conname ? ` ${sqlName(constraint.conname)}` : '';
    return [
      {
        message: `ALTER DOMAIN ${domain} ADD CONSTRAINT${name} checks every column of ${domain} in every table while it blocks writes to them; add it NOT VALID and VALIDATE it in a later migration`,
        hint: `${statement.sql} NOT VALID;\n-- next migration: ALTER DOMAIN ${domain} VALIDATE CONSTRAINT${name || ' <name>'};`,
        location: constraint.location,
      },
    ];
  },
};
