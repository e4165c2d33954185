import { sqlName, tableKey } from '../ast.ts';
import { columnsAddedToExistingTables } from '../changes.ts';
import type { LintRule } from '../types.ts';

/** ADD COLUMN of a domain type with a CHECK or NOT NULL: PostgreSQL rewrites the table. */
export const addingConstrainedDomainColumn: LintRule = {
  id: 'adding-constrained-domain-column',
  title: 'ADD COLUMN of a domain type that has a constraint',
  severity: { expand: 'error', contract: 'error' },
  why: 'A column added with a domain type that has a CHECK (or NOT NULL) must be checked against every existing row, so PostgreSQL rewrites the whole table under ACCESS EXCLUSIVE, even with no default (on PostgreSQL 15 the table gets a new relfilenode; a domain without constraints adds the column catalog-only). zerodown knows the domain from the CREATE DOMAIN or ALTER DOMAIN of an earlier migration. Add the column with the base type and convert later, or add a NOT VALID CHECK on the column instead.',
  hint: 'ALTER TABLE orders ADD COLUMN discount integer;\nALTER TABLE orders ADD CONSTRAINT orders_discount_positive CHECK (discount > 0) NOT VALID;',
  examples: {
    unsafe: {
      phase: 'expand',
      before: ['CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);'],
      sql: 'ALTER TABLE orders ADD COLUMN discount positive_int;',
    },
    safe: {
      phase: 'expand',
      before: ['CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);'],
      sql: 'ALTER TABLE orders ADD COLUMN discount integer;\nALTER TABLE orders ADD CONSTRAINT orders_discount_positive CHECK (discount > 0) NOT VALID;',
    },
  },
  check(statement, context) {
    return columnsAddedToExistingTables(statement.node, (t) => context.facts.isNewTable(t))
      .filter((c) => context.facts.domainHasConstraint(tableKey(c.type.schema, c.type.name)))
      .map((c) => ({
        message: `ADD COLUMN ${sqlName(c.table)}.${sqlName(c.column)} of domain ${sqlName(tableKey(c.type.schema, c.type.name))}, which has a constraint, rewrites all of ${sqlName(c.table)} under ACCESS EXCLUSIVE to check existing rows`,
        hint: `ALTER TABLE ${sqlName(c.table)} ADD COLUMN ${sqlName(c.column)} <the domain's base type>;\nALTER TABLE ${sqlName(c.table)} ADD CONSTRAINT <name> CHECK (<the domain's check on ${sqlName(c.column)}>) NOT VALID;`,
        location: c.location,
      }));
  },
};
