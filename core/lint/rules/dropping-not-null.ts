import { alterTable, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** ALTER COLUMN … DROP NOT NULL in contract: the application that is live may rely on it. */
export const droppingNotNull: LintRule = {
  id: 'dropping-not-null',
  title: 'DROP NOT NULL in contract',
  severity: { expand: 'off', contract: 'error' },
  why: 'Contract runs after the deploy gate, against the application version that is now live and was written and tested with the column NOT NULL: once NULLs can be written (by a job, a script, an older client) it reads NULL where it never expected one. Make a column optional in expand, before the new version ships, so that the version that goes live is the one that handles NULL (and a rollback still finds every row filled). squawk has the same rule (ban-drop-not-null).',
  hint: '-- <version>_<name>.sql (expand)\nALTER TABLE customers ALTER COLUMN phone DROP NOT NULL;',
  examples: {
    unsafe: { phase: 'contract', sql: 'ALTER TABLE customers ALTER COLUMN phone DROP NOT NULL;' },
    safe: { phase: 'expand', sql: 'ALTER TABLE customers ALTER COLUMN phone DROP NOT NULL;' },
  },
  check(statement, context) {
    const alter = alterTable(statement.node);
    if (!alter || context.facts.isNewTable(alter.table)) return [];
    return alter.commands
      .filter((c) => c.subtype === 'AT_DropNotNull')
      .map((c) => ({
        message: `DROP NOT NULL on ${sqlName(alter.table)}.${sqlName(c.cmd.name)} in contract: the application version now live may rely on ${sqlName(c.cmd.name)} never being NULL; make it optional in expand, before that version ships`,
        hint: `-- <version>_<name>.sql (expand)\nALTER TABLE ${sqlName(alter.table)} ALTER COLUMN ${sqlName(c.cmd.name)} DROP NOT NULL;`,
        location: alter.relation?.location,
      }));
  },
};
