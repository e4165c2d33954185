import { alterTable, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** SET LOGGED / SET UNLOGGED rewrite the table. */
export const settingLoggedUnlogged: LintRule = {
  id: 'setting-logged-unlogged',
  title: 'SET LOGGED / SET UNLOGGED',
  severity: { expand: 'error', contract: 'error' },
  why: 'ALTER TABLE … SET LOGGED or SET UNLOGGED rewrites the whole table (SET LOGGED also writes all of it to the WAL) under an ACCESS EXCLUSIVE lock. An unlogged table is also emptied after a crash and is not replicated.',
  hint: 'CREATE UNLOGGED TABLE events_staging (LIKE events INCLUDING ALL); -- decide when the table is created',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE events SET UNLOGGED;' },
    safe: { phase: 'expand', sql: 'CREATE UNLOGGED TABLE events_staging (LIKE events INCLUDING ALL);' },
  },
  check(statement, context) {
    const alter = alterTable(statement.node);
    if (!alter || context.facts.isNewTable(alter.table)) return [];
    return alter.commands
      .filter((c) => c.subtype === 'AT_SetLogged' || c.subtype === 'AT_SetUnLogged')
      .map((c) => ({
        message: `ALTER TABLE ${sqlName(alter.table)} SET ${c.subtype === 'AT_SetLogged' ? 'LOGGED' : 'UNLOGGED'} rewrites the whole table under ACCESS EXCLUSIVE`,
        location: alter.relation?.location,
      }));
  },
};
