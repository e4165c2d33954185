import { relationKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** CREATE TABLE of a name that this migration dropped: the live table and its data are gone. */
export const recreatingDroppedTable: LintRule = {
  id: 'recreating-dropped-table',
  title: 'DROP TABLE and CREATE TABLE of the same name in one migration',
  severity: { expand: 'error', contract: 'error' },
  why: "Dropping a table and creating one with the same name in the same release (what Rails' create_table force: true does) replaces a live table, with its rows, by an empty one: the data is gone, and the application sees an empty table rather than an error. zerodown checks within one migration (migrations linted together may span many releases). Change the existing table with ALTER TABLE, or create the new table under a new name, copy with a backfill, and drop the old one in a later contract.",
  hint: 'ALTER TABLE carts ADD COLUMN currency text; -- change the table instead of replacing it',
  examples: {
    unsafe: {
      phase: 'contract',
      sql: 'DROP TABLE carts;\nCREATE TABLE carts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, currency text);',
    },
    safe: { phase: 'contract', sql: 'DROP TABLE carts;' },
  },
  check(statement, context) {
    const create = statement.node.CreateStmt ?? statement.node.CreateTableAsStmt?.into;
    const relation = statement.node.CreateStmt ? create?.relation : create?.rel;
    if (!relation) return [];
    const table = relationKey(relation);
    if (!context.facts.droppedTableInThisMigration(table)) return [];
    return [
      {
        message: `CREATE TABLE ${sqlName(table)} after this migration dropped the live ${sqlName(table)}: its rows are gone and the application reads an empty table`,
        hint: `ALTER TABLE ${sqlName(table)} …; -- change the existing table, or create ${sqlName(`${table}_v2`)} and backfill it`,
        location: relation.location,
      },
    ];
  },
};
