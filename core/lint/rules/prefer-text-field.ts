import { sqlName } from '../ast.ts';
import { declaredColumns } from '../changes.ts';
import type { LintRule } from '../types.ts';

/** varchar(n): the limit is a constraint that is awkward to change; text with a CHECK is not. */
export const preferTextField: LintRule = {
  id: 'prefer-text-field',
  title: 'varchar(n) instead of text',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'varchar(n) stores exactly like text; the (n) is a length check. Raising it is catalog-only but takes an ACCESS EXCLUSIVE lock, and lowering it rewrites the table. text with a CHECK (char_length(col) <= n) added NOT VALID can be changed without either.',
  hint: 'ALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE users ADD CONSTRAINT users_nickname_length CHECK (char_length(nickname) <= 50) NOT VALID;',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE users ADD COLUMN nickname varchar(50);' },
    safe: { phase: 'expand', sql: 'ALTER TABLE users ADD COLUMN nickname text;' },
  },
  check(statement) {
    return declaredColumns(statement.node)
      .filter((c) => c.type.name === 'varchar' && c.type.modifiers.length > 0)
      .map((c) => ({
        message: `${sqlName(c.table)}.${sqlName(c.column)} is varchar(${c.type.modifiers[0]}): changing the limit later locks or rewrites the table; use text (with a CHECK on char_length if the limit matters)`,
        hint: `${sqlName(c.column)} text CHECK (char_length(${sqlName(c.column)}) <= ${c.type.modifiers[0]})`,
        location: c.location,
      }));
  },
};
