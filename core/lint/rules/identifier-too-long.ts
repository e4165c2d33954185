import { identifierBytes, type Node } from '../ast.ts';
import type { LintRule, Violation } from '../types.ts';

const MAX_BYTES = 63;
// Keys of the parse tree that hold names a statement creates or renames to.
const NAME_KEYS = new Set(['relname', 'colname', 'idxname', 'conname', 'newname', 'trigname', 'indexname']);

function longNames(tree: unknown, found: Map<string, number | undefined>, location?: number): void {
  if (Array.isArray(tree)) {
    for (const item of tree) longNames(item, found, location);
    return;
  }
  if (!tree || typeof tree !== 'object') return;
  const node = tree as Node;
  const here = typeof node.location === 'number' && node.location >= 0 ? node.location : location;
  for (const [key, value] of Object.entries(node)) {
    if (NAME_KEYS.has(key) && typeof value === 'string' && identifierBytes(value) > MAX_BYTES) {
      if (!found.has(value)) found.set(value, here);
    } else if (value && typeof value === 'object') longNames(value, found, here);
  }
}

/** Names over 63 bytes, which PostgreSQL truncates without an error. */
export const identifierTooLong: LintRule = {
  id: 'identifier-too-long',
  title: 'identifier longer than 63 bytes',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1) with only a NOTICE: two long names that share their first 63 bytes collide, and the next migration that names the object in full does not find it.',
  hint: 'CREATE INDEX CONCURRENTLY orders_customer_created_idx ON orders (customer_id, created_at);',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'CREATE INDEX CONCURRENTLY orders_customer_id_created_at_status_shipping_country_partial_idx ON orders (customer_id, created_at);',
    },
    safe: {
      phase: 'expand',
      sql: 'CREATE INDEX CONCURRENTLY orders_customer_created_idx ON orders (customer_id, created_at);',
    },
  },
  check(statement) {
    const found = new Map<string, number | undefined>();
    longNames(statement.node, found);
    const violations: Violation[] = [];
    for (const [name, location] of found) {
      const bytes = identifierBytes(name);
      violations.push({
        message: `"${name}" is ${bytes} bytes; PostgreSQL keeps only the first ${MAX_BYTES} ("${Buffer.from(name).subarray(0, MAX_BYTES).toString()}")`,
        hint: 'Choose a name of at most 63 bytes',
        location,
      });
    }
    return violations;
  },
};
