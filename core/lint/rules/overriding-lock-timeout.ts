import type { Node } from '../ast.ts';
import type { LintRule } from '../types.ts';

const GUARDS = new Set(['lock_timeout', 'statement_timeout']);

// SET lock_timeout = 0 / '0' / '0ms': no limit at all
function isZero(args: readonly Node[] | undefined): boolean {
  const value = args?.[0]?.A_Const;
  if (!value) return false;
  if (value.ival !== undefined) return Number(value.ival.ival ?? 0) === 0;
  return /^\s*0+(\.0*)?\s*(us|ms|s|min|h|d)?\s*$/i.test(String(value.sval?.sval ?? ''));
}

/** SET lock_timeout / statement_timeout in a migration: it turns off zerodown's guards. */
export const overridingLockTimeout: LintRule = {
  id: 'overriding-lock-timeout',
  title: 'SET lock_timeout or statement_timeout in a migration',
  severity: { expand: 'error', contract: 'error' },
  why: "zerodown runs every statement under lock_timeout (500 ms by default) and retries on lock timeouts, so that a DDL waiting behind a long transaction never blocks the traffic queued behind it. Setting lock_timeout (or statement_timeout) in the file replaces that guard for the rest of the migration. Change the limits with zerodown's --lock-timeout and --statement-timeout options instead.",
  hint: 'zerodown up --lock-timeout 2s -- instead of SET lock_timeout in the file',
  examples: {
    unsafe: { phase: 'expand', sql: "SET lock_timeout = '0';\nALTER TABLE users ADD COLUMN nickname text;" },
    safe: { phase: 'expand', sql: 'ALTER TABLE users ADD COLUMN nickname text;' },
  },
  check(statement) {
    const set = statement.node.VariableSetStmt;
    if (!set || !GUARDS.has(set.name)) return [];
    const off = set.kind === 'VAR_SET_VALUE' && isZero(set.args);
    return [
      {
        message: off
          ? `SET ${set.name} = 0 switches the ${set.name} guard off for the statements after it: a DDL waits behind any long transaction and the application's queries queue behind it`
          : `SET ${set.name} in the migration replaces zerodown's ${set.name} guard for the statements after it`,
        downgrade: !off,
        hint: `zerodown up --${set.name.replace('_', '-')} <duration>`,
        location: set.location,
      },
    ];
  },
};
