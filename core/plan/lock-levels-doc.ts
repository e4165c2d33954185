import { blocks, LOCK_FIXTURE, LOCK_LEVELS } from './lock-levels.ts';

/**
 * The lock table as the markdown of docs/lock-levels.md (test/unit/lock-levels.test.ts keeps the page
 * equal to it).
 *
 * @example
 * writeFileSync('docs/lock-levels.md', lockLevelsMarkdown());
 */
export function lockLevelsMarkdown(): string {
  const rows = Object.values(LOCK_LEVELS).map((level) => {
    const note = 'note' in level ? level.note : '';
    const checked = 'notInTransaction' in level ? 'no (cannot run in a transaction)' : 'yes';
    return `| ${level.statement} | ${level.lock} | ${blocks(level.lock)} | ${level.effect === 'none' ? '' : level.effect} | \`${level.example}\` | ${checked} | ${note} |`;
  });
  return `# Lock levels per statement

\`zerodown plan\` shows, for every statement of a pending migration, the table lock it takes and
whether it rewrites or scans the table. It reads both from this table (\`core/plan/lock-levels.ts\`);
an ALTER TABLE with several commands takes the strongest lock and the heaviest effect of its commands.
A statement kind the table does not hold shows as \`unknown\`: assume it blocks reads and writes.

A lock is held until the transaction ends, and a statement waiting for one queues every later query
on the table behind it: that is why zerodown runs every statement under \`lock_timeout\` with retries.
"rewrite" means PostgreSQL writes a new copy of the table (and rebuilds its indexes) while holding the
lock; "scan" that it reads every row (a validation, an index build).

\`test/integration/lock-levels.test.ts\` runs each example that can run in a transaction on these tables,
reads the strongest lock \`pg_locks\` shows on the example's table, and whether the table's file
(\`pg_class.relfilenode\`) changed, and compares both with the row:

\`\`\`sql
${LOCK_FIXTURE}
\`\`\`

| statement | lock | blocks | rewrite / scan | example | checked on PostgreSQL | note |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Regenerate this page with \`npx tsx -e "import('./core/plan/lock-levels-doc.ts').then(m => process.stdout.write(m.lockLevelsMarkdown()))" > docs/lock-levels.md\`.
`;
}
