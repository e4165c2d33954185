import { creatingDomainWithCheck } from '../../../../core/lint/rules/creating-domain-with-check.ts';
import { describeRule } from '../cases.ts';

describeRule(creatingDomainWithCheck, {
  unsafe: [
    { sql: 'CREATE DOMAIN app.cents AS bigint CHECK (VALUE >= 0);', message: /app\.cents/ },
    { sql: 'CREATE DOMAIN required_text AS text NOT NULL;' },
  ],
  safe: [{ sql: 'CREATE DOMAIN cents AS bigint;' }, { sql: 'CREATE DOMAIN cents AS bigint DEFAULT 0;' }],
});
