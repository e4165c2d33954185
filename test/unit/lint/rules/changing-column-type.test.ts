import { changingColumnType } from '../../../../core/lint/rules/changing-column-type.ts';
import { describeRule } from '../cases.ts';

describeRule(changingColumnType, {
  unsafe: [
    { sql: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;', message: /does not know the current type/ },
    {
      sql: 'ALTER TABLE customers ALTER COLUMN name TYPE varchar(50);',
      before: ['CREATE TABLE customers (id bigint, name varchar(100));'],
      message: /from varchar\(100\) to varchar\(50\)/,
    },
    {
      sql: 'ALTER TABLE customers ALTER COLUMN score TYPE bigint USING score::bigint;',
      before: ['CREATE TABLE customers (id bigint, score int);'],
      message: /with USING/,
    },
    { sql: 'ALTER TABLE t ALTER COLUMN v TYPE text;', before: ['CREATE TABLE t (v int);'] },
  ],
  safe: [
    {
      sql: 'ALTER TABLE customers ALTER COLUMN name TYPE text;',
      before: ['CREATE TABLE customers (name varchar(100));'],
    },
    {
      sql: 'ALTER TABLE customers ALTER COLUMN name TYPE varchar(120);',
      before: ['CREATE TABLE customers (name varchar(100));'],
    },
    {
      sql: 'ALTER TABLE prices ALTER COLUMN amount TYPE numeric(14,2);',
      before: ['CREATE TABLE prices (amount numeric(10,2));'],
    },
    { sql: 'ALTER TABLE hosts ALTER COLUMN net TYPE inet;', before: ['CREATE TABLE hosts (net cidr);'] },
    {
      sql: 'ALTER TABLE people ALTER COLUMN name TYPE varchar(200);',
      before: ['CREATE TABLE persons (name varchar(100));', 'ALTER TABLE persons RENAME TO people;'],
    },
    {
      sql: 'CREATE TABLE drafts (body varchar(10));\nALTER TABLE drafts ALTER COLUMN body TYPE int USING 0;',
    },
  ],
});
