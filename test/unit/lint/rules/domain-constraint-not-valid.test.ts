import { domainConstraintNotValid } from '../../../../core/lint/rules/domain-constraint-not-valid.ts';
import { describeRule } from '../cases.ts';

describeRule(domainConstraintNotValid, {
  unsafe: [
    { sql: 'ALTER DOMAIN app.amount ADD CHECK (VALUE >= 0);', message: /app\.amount/ },
    { sql: 'ALTER DOMAIN amount SET NOT NULL;', phase: 'contract', message: /no NOT VALID form/ },
  ],
  safe: [
    { sql: 'ALTER DOMAIN amount ADD CONSTRAINT amount_check CHECK (VALUE >= 0) NOT VALID;' },
    { sql: 'ALTER DOMAIN amount VALIDATE CONSTRAINT amount_check;' },
    { sql: 'ALTER DOMAIN amount DROP NOT NULL;' },
  ],
});
