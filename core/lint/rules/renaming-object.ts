import { type Node, nameListKey, relationKey, sqlName, strings } from '../ast.ts';
import type { LintRule, StatementContext } from '../types.ts';

const KINDS: Record<string, string> = {
  OBJECT_SCHEMA: 'SCHEMA',
  OBJECT_TYPE: 'TYPE',
  OBJECT_DOMAIN: 'DOMAIN',
  OBJECT_FUNCTION: 'FUNCTION',
  OBJECT_PROCEDURE: 'PROCEDURE',
  OBJECT_VIEW: 'VIEW',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_SEQUENCE: 'SEQUENCE',
};

/** The renamed object's name, and the statement that would have created it in this migration. */
function renamed(rename: Node): string {
  if (rename.renameType === 'OBJECT_SCHEMA') return rename.subname;
  if (rename.relation) return relationKey(rename.relation);
  if (rename.object?.ObjectWithArgs) return strings(rename.object.ObjectWithArgs.objname).join('.');
  return nameListKey(rename.object);
}

// a CREATE earlier in the same migration: nothing running uses the object yet
function createdHere(name: string, context: StatementContext): boolean {
  const bare = name.split('.').at(-1);
  return context.statements.slice(0, context.index).some((s) => {
    const n = s.node;
    return (
      n.CreateSchemaStmt?.schemaname === name ||
      relationKey(n.ViewStmt?.view) === name ||
      relationKey(n.CreateSeqStmt?.sequence) === name ||
      relationKey(n.CreateTableAsStmt?.into?.rel) === name ||
      strings(n.CreateFunctionStmt?.funcname).at(-1) === bare ||
      strings(n.CreateEnumStmt?.typeName).at(-1) === bare ||
      strings(n.CreateDomainStmt?.domainname).at(-1) === bare
    );
  });
}

/** Renaming a schema, type, enum value, function, view or sequence: the running version still uses the old name. */
export const renamingObject: LintRule = {
  id: 'renaming-object',
  title: 'RENAME of a schema, type, enum value, function, view or sequence',
  severity: { expand: 'error', contract: 'warning' },
  why: 'A rename is instant for PostgreSQL, and everything of the running application version that names the old name fails from that moment: queries on a view or a schema-qualified table, calls of a function, nextval() on a sequence, casts to a type, and enum literals (after RENAME VALUE the old label is an invalid input value). In expand the old version is serving traffic. Add the new object next to the old one (CREATE VIEW new AS SELECT * FROM old, a wrapper function, ADD VALUE for an enum), switch the application, and drop the old name in contract.',
  hint: 'CREATE VIEW order_totals_v2 AS SELECT * FROM order_totals; -- expand: the new name next to the old\n-- contract, after the deploy gate: DROP VIEW order_totals;',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER VIEW order_totals RENAME TO order_summaries;' },
    safe: {
      phase: 'expand',
      sql: 'CREATE VIEW order_summaries AS SELECT * FROM order_totals;',
    },
  },
  check(statement, context) {
    const enumRename = statement.node.AlterEnumStmt;
    if (enumRename?.oldVal && enumRename.newVal) {
      const type = sqlName(strings(enumRename.typeName).join('.'));
      if (createdHere(strings(enumRename.typeName).join('.'), context)) return [];
      return [
        {
          message: `ALTER TYPE ${type} RENAME VALUE '${enumRename.oldVal}' TO '${enumRename.newVal}'${context.phase === 'expand' ? ' in expand' : ''}: the running application version's '${enumRename.oldVal}' becomes an invalid input value for ${type}`,
          hint: `ALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${enumRename.newVal}'; -- expand; the application writes the new label, a backfill rewrites old rows`,
        },
      ];
    }
    const rename = statement.node.RenameStmt;
    const kind = KINDS[rename?.renameType];
    if (!kind) return [];
    // ALTER TABLE … RENAME on a view parses as OBJECT_TABLE (renaming-table's case)
    const name = renamed(rename);
    if (createdHere(name, context)) return [];
    const where = context.phase === 'expand' ? ' in expand' : '';
    return [
      {
        message: `RENAME ${kind} ${sqlName(name)} TO ${sqlName(rename.newname)}${where}: everything of the running application version that uses ${sqlName(name)} fails from that moment`,
        hint: `-- expand: create ${sqlName(rename.newname)} next to ${sqlName(name)}; switch the application; contract: drop ${sqlName(name)}`,
        location: rename.relation?.location,
      },
    ];
  },
};
