import { alterTable, type Node, nameListKey, relationKey } from '../lint/ast.ts';
import type { Migration } from '../migrations/types.ts';

/** How the new version sees one table of the base schema: as the release's contract will leave it. */
export interface TableShape {
  /** The view's name (the table's, or the name a contract renames it to). */
  readonly view: string;
  /** The contract drops the table: no view. */
  readonly dropped: boolean;
  /** Columns the new version does not see: dropped by the contract, or old columns two-way sync keeps. */
  readonly hidden: ReadonlySet<string>;
  /** Column -> the name the new version sees it under (a contract's RENAME COLUMN). */
  readonly renamed: ReadonlyMap<string, string>;
}

interface Tracking {
  view: string;
  dropped: boolean;
  hidden: Set<string>;
  /** Name as the contract's statements call it now -> the physical column it was when expand ended. */
  current: Map<string, string>;
}

/** `users` or `public.users` -> `users`; other schemas -> undefined (they get no views). */
function baseTable(key: string, baseSchema: string): string | undefined {
  const dot = key.indexOf('.');
  if (dot < 0) return key;
  return key.slice(0, dot) === baseSchema ? key.slice(dot + 1) : undefined;
}

/**
 * The new version's shape of each table that the pending contract migrations or two-way backfills
 * touch, read from their parse trees (the real PostgreSQL parser): `DROP COLUMN` hides a column,
 * `RENAME COLUMN a TO b` shows `a` as `b`, `RENAME TO` names the view, `DROP TABLE` leaves the table
 * out, and each backfill's `reverse` columns (the old columns) are hidden. Tables not in the map are
 * shown as they are. Keys are table names in the base schema, as they are when expand ends.
 *
 * @example
 * const shapes = newVersionShape(pendingContractsAndBackfills);
 * shapes.get('users'); // { view: 'users', dropped: false, hidden: Set { 'username' }, renamed: Map {} }
 */
export function newVersionShape(
  pending: readonly Migration[],
  baseSchema = 'public',
): Map<string, TableShape> {
  const tables = new Map<string, Tracking>();
  const byView = new Map<string, string>(); // the name statements use now -> the table's name at expand's end
  const table = (key: string): Tracking | undefined => {
    const name = baseTable(key, baseSchema);
    if (name === undefined) return undefined;
    const physical = byView.get(name) ?? name;
    let found = tables.get(physical);
    if (!found) {
      found = { view: physical, dropped: false, hidden: new Set(), current: new Map() };
      tables.set(physical, found);
      byView.set(physical, physical);
    }
    return found;
  };
  const column = (t: Tracking, name: string) => t.current.get(name) ?? name;
  for (const migration of pending) {
    if (migration.kind === 'backfill') {
      const t = table(migration.spec.table);
      for (const old of Object.keys(migration.spec.reverse ?? {})) if (t) t.hidden.add(column(t, old));
      continue;
    }
    if (migration.phase !== 'contract') continue;
    for (const statement of migration.up.statements) apply(statement.node as Node);
  }
  function apply(node: Node): void {
    const alter = alterTable(node);
    if (alter) {
      const t = table(alter.table);
      for (const { subtype, cmd } of alter.commands) {
        if (t && subtype === 'AT_DropColumn' && cmd.name) {
          t.hidden.add(column(t, cmd.name));
          t.current.delete(cmd.name);
        }
      }
      return;
    }
    const rename = node.RenameStmt;
    if (rename?.renameType === 'OBJECT_COLUMN') {
      const t = table(relationKey(rename.relation));
      if (!t) return;
      const physical = column(t, rename.subname);
      t.current.delete(rename.subname);
      t.current.set(rename.newname, physical);
    } else if (rename?.renameType === 'OBJECT_TABLE') {
      const t = table(relationKey(rename.relation));
      if (!t) return;
      byView.delete(t.view);
      t.view = rename.newname;
      byView.set(t.view, [...tables].find(([, v]) => v === t)![0]);
    } else if (node.DropStmt?.removeType === 'OBJECT_TABLE') {
      for (const object of node.DropStmt.objects ?? []) {
        const t = table(nameListKey(object));
        if (t) t.dropped = true;
      }
    }
  }
  return new Map(
    [...tables].map(([name, t]) => [
      name,
      {
        view: t.view,
        dropped: t.dropped,
        hidden: t.hidden,
        renamed: new Map(
          [...t.current]
            .filter(([now, physical]) => now !== physical)
            .map(([now, physical]) => [physical, now]),
        ),
      },
    ]),
  );
}

/**
 * One line per table the new version sees differently, for the plan: `users: without username`,
 * `orders: id_new as id, without id`, `legacy: no view (dropped by the contract)`.
 */
export function describeShapes(shapes: ReadonlyMap<string, TableShape>): string[] {
  return [...shapes].map(([table, shape]) => {
    if (shape.dropped) return `${table}: no view (dropped by the contract)`;
    const parts = [
      ...(shape.view !== table ? [`view named ${shape.view}`] : []),
      ...[...shape.renamed].map(([physical, as]) => `${physical} as ${as}`),
      ...(shape.hidden.size > 0 ? [`without ${[...shape.hidden].join(', ')}`] : []),
    ];
    return `${table}: ${parts.length > 0 ? parts.join(', ') : 'as it is'}`;
  });
}
