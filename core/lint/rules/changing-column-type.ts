import { alterTable, columnType, sqlName, typeText } from '../ast.ts';
import type { ColumnType, LintRule, Violation } from '../types.ts';

const unlimited = (t: ColumnType) => t.modifiers.length === 0;

/** Type changes PostgreSQL makes in the catalog only (binary-coercible, no rewrite, no index rebuild). */
export function catalogOnlyTypeChange(from: ColumnType, to: ColumnType): boolean {
  if (from.array !== to.array) return false;
  const [f, t] = [from.name, to.name];
  const widened = unlimited(to) || (to.modifiers[0] ?? 0) >= (from.modifiers[0] ?? Number.POSITIVE_INFINITY);
  if (f === 'varchar' && t === 'varchar') return widened;
  if (f === 'varchar' && t === 'text') return true;
  if (f === 'text' && t === 'varchar') return unlimited(to);
  if (f === 'varbit' && t === 'varbit') return widened;
  if (f === 'numeric' && t === 'numeric') {
    return unlimited(to) || (widened && (from.modifiers[1] ?? 0) === (to.modifiers[1] ?? 0));
  }
  if (f === 'cidr' && t === 'inet') return true;
  return f === t && from.modifiers.join() === to.modifiers.join();
}

/** ALTER COLUMN … TYPE that rewrites the table. */
export const changingColumnType: LintRule = {
  id: 'changing-column-type',
  title: 'ALTER COLUMN TYPE (table rewrite)',
  severity: { expand: 'error', contract: 'error' },
  why: 'Most type changes rewrite the whole table and rebuild its indexes under an ACCESS EXCLUSIVE lock, and the application version still running reads and writes the old type. Only binary-coercible changes are catalog-only: varchar(n) to a longer varchar or to text, numeric(p,s) to a larger precision, cidr to inet.',
  hint: 'ALTER TABLE orders ADD COLUMN id_new bigint; -- expand: a new column, a sync backfill, a CHECK validated, then swap names in contract',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;' },
    safe: {
      phase: 'expand',
      before: ['CREATE TABLE customers (id bigint PRIMARY KEY, name varchar(100));'],
      sql: 'ALTER TABLE customers ALTER COLUMN name TYPE varchar(200);',
    },
  },
  check(statement, context) {
    const alter = alterTable(statement.node);
    if (!alter || context.facts.isNewTable(alter.table)) return [];
    const violations: Violation[] = [];
    for (const { subtype, cmd } of alter.commands) {
      if (subtype !== 'AT_AlterColumnType') continue;
      const def = cmd.def?.ColumnDef;
      const to = columnType(def?.typeName);
      const from = context.facts.columnType(alter.table, cmd.name);
      const using = def?.raw_default !== undefined;
      if (from && !using && catalogOnlyTypeChange(from, to)) continue;
      const column = `${sqlName(alter.table)}.${sqlName(cmd.name)}`;
      const change = from ? `from ${typeText(from)} to ${typeText(to)}` : `to ${typeText(to)}`;
      violations.push({
        message: `ALTER COLUMN ${column} TYPE ${change}${using ? ' with USING' : ''} rewrites ${sqlName(alter.table)} and its indexes under ACCESS EXCLUSIVE${from ? '' : ' (zerodown does not know the current type, so it cannot tell a catalog-only change)'}`,
        hint: `ALTER TABLE ${sqlName(alter.table)} ADD COLUMN ${sqlName(`${cmd.name}_new`)} ${typeText(to)}; -- expand; a .backfill.json with "sync": true copies ${sqlName(cmd.name)}; contract swaps the names`,
        location: def?.typeName?.location,
      });
    }
    return violations;
  },
};
