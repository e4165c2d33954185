import { sqlName, strings } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** CREATE DOMAIN … CHECK: every later change of that check locks and scans all tables using it. */
export const creatingDomainWithCheck: LintRule = {
  id: 'creating-domain-with-check',
  title: 'CREATE DOMAIN with a CHECK constraint',
  severity: { expand: 'warning', contract: 'warning' },
  why: "A domain's CHECK is hard to change once tables use it: adding a column of the domain to a table rewrites that table, and a new or changed check (ALTER DOMAIN … ADD CONSTRAINT) scans every table with a column of the domain while it holds locks on them. A CHECK constraint on the column itself can be added NOT VALID and validated without blocking writes, table by table. squawk warns about this too (ban-create-domain-with-constraint).",
  hint: 'CREATE DOMAIN positive_int AS integer; -- and ALTER TABLE … ADD CONSTRAINT … CHECK (col > 0) NOT VALID on each column',
  examples: {
    unsafe: { phase: 'expand', sql: 'CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);' },
    safe: { phase: 'expand', sql: 'CREATE DOMAIN email_address AS text;' },
  },
  check(statement) {
    const create = statement.node.CreateDomainStmt;
    const check = (create?.constraints ?? []).find((c: { Constraint?: { contype?: string } }) =>
      ['CONSTR_CHECK', 'CONSTR_NOTNULL'].includes(c.Constraint?.contype ?? ''),
    )?.Constraint;
    if (!check) return [];
    const domain = sqlName(strings(create.domainname).join('.'));
    return [
      {
        message: `CREATE DOMAIN ${domain} with a constraint: each column later added with it rewrites its table, and changing the check scans every table that uses it under lock; put the check on the columns instead`,
        location: check.location,
      },
    ];
  },
};
