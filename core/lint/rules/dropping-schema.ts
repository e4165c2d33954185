import { sqlName, strings } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** DROP SCHEMA in expand: the running version still uses what is in it. */
export const droppingSchema: LintRule = {
  id: 'dropping-schema',
  title: 'DROP SCHEMA in expand; DROP SCHEMA … CASCADE',
  severity: { expand: 'error', contract: 'warning' },
  why: 'In expand the previous application version is still serving traffic, and its queries fail once the schema and what it holds are gone; no down migration brings the data back. With CASCADE, PostgreSQL also drops every table, view and function in it, and every object elsewhere that depends on them, without naming them in the migration. Drop schemas in contract, and drop the objects in it by name first so that the migration says what goes.',
  hint: '-- <version>_drop_reporting.contract.sql\nDROP TABLE reporting.daily_totals;\nDROP SCHEMA reporting;',
  examples: {
    unsafe: { phase: 'expand', sql: 'DROP SCHEMA reporting CASCADE;' },
    safe: { phase: 'contract', sql: 'DROP TABLE reporting.daily_totals;\nDROP SCHEMA reporting;' },
  },
  check(statement, context) {
    const drop = statement.node.DropStmt;
    if (drop?.removeType !== 'OBJECT_SCHEMA') return [];
    const created = new Set(
      context.statements
        .slice(0, context.index)
        .map((s) => s.node.CreateSchemaStmt?.schemaname)
        .filter(Boolean),
    );
    const schemas = strings(drop.objects).filter((s) => !created.has(s));
    const cascade = drop.behavior === 'DROP_CASCADE';
    if (schemas.length === 0 || (context.phase === 'contract' && !cascade)) return [];
    const names = schemas.map(sqlName).join(', ');
    return [
      {
        message:
          context.phase === 'expand'
            ? `DROP SCHEMA ${names} in expand breaks the application version still running; drop it in a contract migration`
            : `DROP SCHEMA ${names} CASCADE drops every object in it and everything that depends on them, none named in the migration`,
        hint: `-- <version>_drop_${schemas[0]}.contract.sql\nDROP TABLE ${sqlName(schemas[0]!)}.<table>; -- each object by name\nDROP SCHEMA ${names};`,
      },
    ];
  },
};
