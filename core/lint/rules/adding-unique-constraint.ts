import { sqlName, strings } from '../ast.ts';
import { addedConstraints, columnsAddedToExistingTables } from '../changes.ts';
import type { LintRule, Violation } from '../types.ts';

const KINDS: Record<string, string> = { CONSTR_UNIQUE: 'UNIQUE', CONSTR_PRIMARY: 'PRIMARY KEY' };

function safeSteps(table: string, kind: string, columns: string[], name?: string): string {
  const base = table.split('.').pop() ?? table;
  const index = sqlName(name ?? `${base}_${columns.join('_') || 'col'}_key`);
  const list = columns.length ? columns.map(sqlName).join(', ') : '…';
  return [
    `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON ${sqlName(table)} (${list}); -- a migration of its own`,
    `ALTER TABLE ${sqlName(table)} ADD CONSTRAINT ${index} ${kind} USING INDEX ${index};`,
  ].join('\n');
}

/** ADD UNIQUE or PRIMARY KEY that builds its index while holding ACCESS EXCLUSIVE. */
export const addingUniqueConstraint: LintRule = {
  id: 'adding-unique-constraint',
  title: 'ADD UNIQUE or PRIMARY KEY that builds its index under the lock',
  severity: { expand: 'error', contract: 'error' },
  why: 'ADD CONSTRAINT … UNIQUE or PRIMARY KEY builds a unique index while holding an ACCESS EXCLUSIVE lock on the table: no reads or writes until the build ends. Build the index first with CREATE UNIQUE INDEX CONCURRENTLY, then attach it with ADD CONSTRAINT … USING INDEX, which is catalog-only.',
  hint: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);' },
    safe: {
      phase: 'expand',
      before: ['CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);'],
      sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;',
    },
  },
  check(statement, context) {
    const violations: Violation[] = [];
    for (const { table, constraint, location } of addedConstraints(statement.node)) {
      const kind = KINDS[constraint.contype];
      if (!kind || constraint.indexname || context.facts.isNewTable(table)) continue;
      violations.push({
        message: `ADD ${kind}${constraint.conname ? ` ${sqlName(constraint.conname)}` : ''} on ${sqlName(table)} builds a unique index while holding ACCESS EXCLUSIVE: no reads or writes until it is built`,
        hint: safeSteps(table, kind, strings(constraint.keys), constraint.conname),
        location,
      });
    }
    for (const c of columnsAddedToExistingTables(statement.node, (t) => context.facts.isNewTable(t))) {
      for (const k of c.constraints) {
        const kind = KINDS[k.contype];
        if (!kind) continue;
        violations.push({
          message: `ADD COLUMN ${sqlName(c.column)} ${kind} on ${sqlName(c.table)} builds a unique index while holding ACCESS EXCLUSIVE`,
          hint: `ALTER TABLE ${sqlName(c.table)} ADD COLUMN ${sqlName(c.column)} …; -- without ${kind}\n${safeSteps(c.table, kind, [c.column])}`,
          location: k.location,
        });
      }
    }
    return violations;
  },
};
