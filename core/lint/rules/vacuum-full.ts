import { relationKey, sqlName } from '../ast.ts';
import { repackHint } from '../pg-versions.ts';
import type { LintRule } from '../types.ts';

/** VACUUM FULL rewrites the table under ACCESS EXCLUSIVE. */
export const vacuumFull: LintRule = {
  id: 'vacuum-full',
  title: 'VACUUM FULL',
  severity: { expand: 'error', contract: 'error' },
  why: 'VACUUM FULL rewrites the whole table and its indexes into new files under an ACCESS EXCLUSIVE lock: no reads or writes for the duration, and it needs room for a second copy. To give space back online, use pg_repack (or pg_squeeze) outside the migration; plain VACUUM takes no blocking lock. With --pg-version 19 or later the hint names REPACK, which replaces VACUUM FULL and CLUSTER there.',
  hint: 'VACUUM (ANALYZE) orders; -- or pg_repack --table=orders, run outside the migration',
  examples: {
    unsafe: { phase: 'contract', sql: 'VACUUM FULL orders;' },
    safe: { phase: 'contract', sql: 'VACUUM (ANALYZE) orders;' },
  },
  check(statement, context) {
    const vacuum = statement.node.VacuumStmt;
    if (!vacuum?.is_vacuumcmd) return [];
    const full = (vacuum.options ?? []).find(
      (o: { DefElem?: { defname?: string; arg?: unknown } }) => o.DefElem?.defname === 'full',
    );
    const off = JSON.stringify(full?.DefElem?.arg ?? '').match(/"(false|off|0)"|"ival":\{\}/);
    if (!full || off) return [];
    const tables = (vacuum.rels ?? []).map((r: { VacuumRelation?: { relation?: unknown } }) =>
      sqlName(relationKey(r.VacuumRelation?.relation as Record<string, string>)),
    );
    return [
      {
        message: `VACUUM FULL ${tables.join(', ') || '(every table)'} rewrites ${tables.length ? 'it' : 'them'} under ACCESS EXCLUSIVE: reads and writes wait until it finishes`,
        location: full.DefElem?.location,
        hint: repackHint(context.pgVersion, tables.join(', ') || '<table>'),
      },
    ];
  },
};
