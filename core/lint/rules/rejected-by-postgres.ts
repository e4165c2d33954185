import { type Node, relationKey, sqlName } from '../ast.ts';
import { declaredColumns } from '../changes.ts';
import type { LintRule, Violation } from '../types.ts';

function repeated<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return true;
    seen.add(k);
    return false;
  });
}

/** Statements PostgreSQL refuses when the migration is applied, caught before it runs. */
export const rejectedByPostgres: LintRule = {
  id: 'rejected-by-postgres',
  title: 'A statement PostgreSQL rejects at apply time',
  severity: { expand: 'error', contract: 'error' },
  why: 'Some statements parse but PostgreSQL refuses them when they run: a column listed twice in CREATE TABLE ("column specified more than once") or in one ALTER TABLE … ADD ("already exists"), the same column assigned twice in one UPDATE ("multiple assignments to same column"). The migration then fails in the middle of a deployment, after the migrations before it were applied. zerodown reports them at lint time.',
  hint: 'CREATE TABLE coupons (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text NOT NULL); -- each column once',
  examples: {
    unsafe: { phase: 'expand', sql: 'CREATE TABLE coupons (id bigint, code text, code varchar(20));' },
    safe: { phase: 'expand', sql: 'CREATE TABLE coupons (id bigint, code text);' },
  },
  check(statement) {
    const violations: Violation[] = [];
    const declared = declaredColumns(statement.node).filter((c) => c.how !== 'alter-type');
    for (const c of repeated(declared, (c) => c.column)) {
      violations.push({
        message: `${c.how === 'create-table' ? 'CREATE TABLE' : 'ALTER TABLE … ADD COLUMN'} ${sqlName(c.table)} lists column ${sqlName(c.column)} twice: PostgreSQL rejects the statement`,
        hint: `-- keep one definition of ${sqlName(c.column)}`,
        location: c.location,
      });
    }
    const update = statement.node.UpdateStmt;
    const targets: Node[] = (update?.targetList ?? []).map((t: Node) => t.ResTarget).filter(Boolean);
    // SET a[1] = …, a[2] = … and SET point.x = …, point.y = … assign parts, which PostgreSQL allows
    const whole = targets.filter((t) => !t.indirection);
    for (const t of repeated(whole, (t) => String(t.name))) {
      violations.push({
        message: `UPDATE ${sqlName(relationKey(update.relation))} assigns ${sqlName(t.name)} twice: PostgreSQL rejects it (multiple assignments to same column)`,
        hint: `-- one SET ${sqlName(t.name)} = …`,
        location: t.location,
      });
    }
    return violations;
  },
};
