import type { LintRule } from '../types.ts';

/** BEGIN, COMMIT or ROLLBACK in a migration the runner already wraps in a transaction. */
export const transactionNesting: LintRule = {
  id: 'transaction-nesting',
  title: 'BEGIN / COMMIT inside the runner’s transaction',
  severity: { expand: 'error', contract: 'error' },
  why: 'zerodown runs a migration and records it in one transaction, so that a migration is applied and recorded together or not at all. A COMMIT or ROLLBACK in the file ends that transaction early: what follows runs without it, and a failure after the COMMIT leaves the migration half applied and unrecorded. A BEGIN inside it only draws a warning from PostgreSQL and does nothing. zerodown refuses to run a COMMIT or ROLLBACK in such a migration.',
  hint: '-- remove BEGIN/COMMIT: the migration already runs in one transaction',
  examples: {
    unsafe: { phase: 'expand', sql: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;' },
    safe: { phase: 'expand', sql: 'ALTER TABLE users ADD COLUMN nickname text;' },
  },
  check(statement, context) {
    const kind: string | undefined = statement.node.TransactionStmt?.kind;
    if (!kind || !context.scriptTransaction) return [];
    const word = kind.replace('TRANS_STMT_', '').replace('START', 'START TRANSACTION');
    return [
      {
        message: `${word} in a migration that zerodown already runs in one transaction${/COMMIT|ROLLBACK/.test(word) ? ': it ends that transaction early, so what follows is not atomic with the rest or with the bookkeeping' : ''}`,
      },
    ];
  },
};
