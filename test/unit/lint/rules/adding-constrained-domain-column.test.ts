import { addingConstrainedDomainColumn } from '../../../../core/lint/rules/adding-constrained-domain-column.ts';
import { describeRule } from '../cases.ts';

describeRule(addingConstrainedDomainColumn, {
  unsafe: [
    {
      before: [
        'CREATE DOMAIN app.cents AS bigint;',
        'ALTER DOMAIN app.cents ADD CONSTRAINT c CHECK (VALUE >= 0) NOT VALID;',
      ],
      sql: 'ALTER TABLE orders ADD COLUMN tip app.cents;',
      message: /domain app\.cents.*rewrites all of orders/,
    },
    {
      sql: 'CREATE DOMAIN required_text AS text NOT NULL;\nALTER TABLE orders ADD COLUMN note required_text;',
      phase: 'contract',
    },
  ],
  safe: [
    { before: ['CREATE DOMAIN cents AS bigint;'], sql: 'ALTER TABLE orders ADD COLUMN tip cents;' },
    {
      before: ['CREATE DOMAIN cents AS bigint CHECK (VALUE >= 0);'],
      sql: 'CREATE TABLE tips (amount cents);\nALTER TABLE tips ADD COLUMN extra cents;',
    },
  ],
});
