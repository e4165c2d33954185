import { endsTransaction } from '../../sql/statements.ts';
import type { LintRule } from '../types.ts';

const OPENS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);

/** BEGIN with no COMMIT after it in the same migration. */
export const beginWithoutCommit: LintRule = {
  id: 'begin-without-commit',
  title: 'BEGIN without COMMIT',
  severity: { expand: 'warning', contract: 'warning' },
  why: "A BEGIN that the migration never commits leaves a transaction open when the migration ends: its locks are held until the connection closes, and the runner's own bookkeeping lands inside it. zerodown already runs each migration in a transaction when it can; write no BEGIN at all.",
  hint: '-- remove BEGIN: zerodown wraps the migration in a transaction (or runs it outside one when it must)',
  examples: {
    unsafe: { phase: 'expand', sql: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;' },
    safe: { phase: 'expand', sql: 'ALTER TABLE users ADD COLUMN nickname text;' },
  },
  check(statement, context) {
    if (!OPENS.has(statement.node.TransactionStmt?.kind)) return [];
    const closed = context.statements.slice(context.index + 1).some(endsTransaction);
    if (closed) return [];
    return [
      {
        message:
          'BEGIN has no COMMIT after it in this migration: the transaction stays open when the migration ends',
      },
    ];
  },
};
