import { alterTable, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** DROP COLUMN in expand: the running version still reads it. The whole point of contract. */
export const droppingColumn: LintRule = {
  id: 'dropping-column',
  title: 'DROP COLUMN in expand',
  severity: { expand: 'error', contract: 'off' },
  why: 'In expand the previous application version is still serving traffic and still reads and writes the column: its queries fail the moment the column is gone. Dropping it is what the contract phase is for, once the deploy gate says every server runs the version that no longer uses it.',
  hint: '-- 20260101000500_users_drop_username.contract.sql\nALTER TABLE users DROP COLUMN username;',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE users DROP COLUMN username;' },
    safe: { phase: 'contract', sql: 'ALTER TABLE users DROP COLUMN username;' },
  },
  check(statement, context) {
    const alter = alterTable(statement.node);
    if (!alter || context.facts.isNewTable(alter.table)) return [];
    return (
      alter.commands
        // a column added earlier in the migration (a down undoing its up) is used by nothing running
        .filter(
          (c) =>
            c.subtype === 'AT_DropColumn' && !context.facts.addedInThisMigration(alter.table, c.cmd.name),
        )
        .map((c) => ({
          message: `DROP COLUMN ${sqlName(alter.table)}.${sqlName(c.cmd.name)} in expand breaks the application version still running, which uses it; drop it in a contract migration`,
          hint: `-- <version>_drop_${c.cmd.name}.contract.sql\nALTER TABLE ${sqlName(alter.table)} DROP COLUMN ${sqlName(c.cmd.name)};`,
          location: alter.relation?.location,
        }))
    );
  },
};
