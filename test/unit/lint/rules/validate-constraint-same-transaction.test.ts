import { validateConstraintSameTransaction } from '../../../../core/lint/rules/validate-constraint-same-transaction.ts';
import { describeRule } from '../cases.ts';

const add =
  'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;';

describeRule(validateConstraintSameTransaction, {
  unsafe: [
    {
      sql: `${add}\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;`,
      message: /orders_customer_fk runs in the transaction that added it/,
    },
    {
      sql: `-- migrate:up transaction:false\nBEGIN;\n${add}\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\nCOMMIT;`,
    },
  ],
  safe: [
    { sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;', before: [add] },
    {
      sql: `-- migrate:up transaction:false\n${add}\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;`,
    },
    {
      sql: `BEGIN;\n${add}\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;`.replace(
        'BEGIN;\n',
        '-- migrate:up transaction:false\nBEGIN;\n',
      ),
    },
  ],
});
