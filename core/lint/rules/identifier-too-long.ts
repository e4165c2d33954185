import { scanSync } from 'libpg-query';
import { identifierBytes } from '../ast.ts';
import type { LintRule, Violation } from '../types.ts';

const MAX_BYTES = 63;
// A name over 63 bytes has at least 16 characters (4 bytes each at most): scan only statements with such a run.
const LONG_RUN = /[\p{L}\p{N}_$"]{16,}/u;

/** Names over 63 bytes, which PostgreSQL truncates without an error. */
export const identifierTooLong: LintRule = {
  id: 'identifier-too-long',
  title: 'identifier longer than 63 bytes',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1) with only a NOTICE: two long names that share their first 63 bytes collide, and tools that compare the name in the file with the name in the catalog do not find it. (The parse tree already holds the truncated name, so this rule reads the tokens.)',
  hint: 'CREATE INDEX CONCURRENTLY orders_customer_created_idx ON orders (customer_id, created_at);',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'CREATE INDEX CONCURRENTLY orders_by_customer_id_and_created_at_for_the_customer_order_history_page_idx ON orders (customer_id, created_at);',
    },
    safe: {
      phase: 'expand',
      sql: 'CREATE INDEX CONCURRENTLY orders_customer_created_idx ON orders (customer_id, created_at);',
    },
  },
  check(statement) {
    if (!LONG_RUN.test(statement.sql)) return [];
    const violations: Violation[] = [];
    const seen = new Set<string>();
    for (const token of scanSync(statement.sql).tokens) {
      if (token.tokenName !== 'IDENT') continue;
      const name = token.text.startsWith('"')
        ? token.text.slice(1, -1).replaceAll('""', '"')
        : token.text.toLowerCase();
      const bytes = identifierBytes(name);
      if (bytes <= MAX_BYTES || seen.has(name)) continue;
      seen.add(name);
      violations.push({
        message: `"${name}" is ${bytes} bytes; PostgreSQL keeps only the first ${MAX_BYTES} ("${Buffer.from(name).subarray(0, MAX_BYTES).toString()}")`,
        hint: `-- a name of at most ${MAX_BYTES} bytes in place of ${name.slice(0, 24)}…`,
        offset: token.start,
      });
    }
    return violations;
  },
};
