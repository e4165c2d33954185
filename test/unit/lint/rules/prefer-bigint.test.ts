import { preferBigint } from '../../../../core/lint/rules/prefer-bigint.ts';
import { describeRule } from '../cases.ts';

describeRule(preferBigint, {
  unsafe: [
    {
      sql: 'CREATE TABLE carts (id serial PRIMARY KEY);',
      message: /carts\.id is serial and the primary key/,
    },
    {
      sql: 'CREATE TABLE carts (id integer, PRIMARY KEY (id));',
      message: /carts\.id is integer and the primary key/,
    },
    {
      sql: 'ALTER TABLE carts ADD COLUMN customer_id int;',
      message: /customer_id is integer and named like a reference to another table's key/,
    },
    { sql: 'CREATE TABLE tags (id smallint GENERATED ALWAYS AS IDENTITY);', message: /an identity column/ },
    { sql: 'CREATE TABLE tags (n serial);', message: /tags\.n is serial and filled from a sequence/ },
  ],
  safe: [
    { sql: 'CREATE TABLE carts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, quantity int);' },
    { sql: 'ALTER TABLE carts ADD COLUMN item_count integer;' },
    { sql: 'CREATE TABLE t (ids int[]);' },
  ],
});
