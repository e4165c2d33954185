import { sqlName } from '../ast.ts';
import { declaredColumns } from '../changes.ts';
import type { LintRule } from '../types.ts';

/** char(n): blank-padded, no faster, surprising comparisons. */
export const preferTextOverChar: LintRule = {
  id: 'prefer-text-over-char',
  title: 'char(n)',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'char(n) pads values with spaces to n characters, ignores trailing spaces in comparisons but not in LIKE or in the application, and is no faster than text. A fixed length is better said with a CHECK.',
  hint: 'ALTER TABLE countries ADD COLUMN iso_code text CHECK (char_length(iso_code) = 2);',
  examples: {
    unsafe: { phase: 'expand', sql: 'CREATE TABLE countries (iso_code char(2) PRIMARY KEY);' },
    safe: {
      phase: 'expand',
      sql: 'CREATE TABLE countries (iso_code text PRIMARY KEY CHECK (char_length(iso_code) = 2));',
    },
  },
  check(statement) {
    return declaredColumns(statement.node)
      .filter((c) => c.type.name === 'bpchar')
      .map((c) => ({
        message: `${sqlName(c.table)}.${sqlName(c.column)} is char(${c.type.modifiers[0] ?? 1}): blank-padded and no faster than text`,
        hint: `${sqlName(c.column)} text${c.type.modifiers[0] ? ` CHECK (char_length(${sqlName(c.column)}) = ${c.type.modifiers[0]})` : ''}`,
        location: c.location,
      }));
  },
};
