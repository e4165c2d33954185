import { quoteIdent } from '../sql/identifiers.ts';
import { BODY_QUOTE } from './columns.ts';
import { sqlMigration } from './migration-text.ts';
import { derivedName, type TableName } from './names.ts';
import type { RecipeFile } from './types.ts';

export interface SplitColumnInput {
  readonly table: TableName;
  readonly column: string;
  /** The new table, in the table's schema. */
  readonly into: string;
  /** The table's key column (single, unique): the new table's primary key and foreign key. */
  readonly key: string;
}

/**
 * Move a column into a table of its own, one row per row of the table (`into (key PRIMARY KEY
 * REFERENCES table ON DELETE CASCADE, column)`): expand creates the table and a trigger that copies what
 * the old version writes to the column; a custom backfill copies the existing values; contract drops the
 * trigger and the column.
 *
 * @example
 * splitColumn({ table: tableName('users'), column: 'bio', into: 'user_profiles', key: 'id' });
 */
export function splitColumn(input: SplitColumnInput): RecipeFile[] {
  const { table, column, key } = input;
  const into = table.sibling(input.into);
  const [c, k] = [quoteIdent(column), quoteIdent(key)];
  const fn = table.sibling(derivedName([table.name, column], 'split'));
  const insertTrigger = quoteIdent(derivedName([table.name, column], 'split_insert'));
  const updateTrigger = quoteIdent(derivedName([table.name, column], 'split_update'));
  const back = table.sibling(derivedName([input.into, column], 'split_back'));
  const backTrigger = quoteIdent(derivedName([input.into, column], 'split_back'));
  const copy = `INSERT INTO ${into} (${k}, ${c}) SELECT ${k}, ${c} FROM ${table.sql} WHERE ${k} = ANY ($1) AND ${c} IS NOT NULL ON CONFLICT (${k}) DO NOTHING`;
  const dropTriggers = (ifExists: string) => [
    `DROP TRIGGER ${ifExists}${insertTrigger} ON ${table.sql}`,
    `DROP TRIGGER ${ifExists}${updateTrigger} ON ${table.sql}`,
    `DROP FUNCTION ${ifExists}${fn}()`,
  ];
  const dropBack = (ifExists: string) => [
    `DROP TRIGGER ${ifExists}${backTrigger} ON ${into}`,
    `DROP FUNCTION ${ifExists}${back}()`,
  ];
  const body = (lines: string[]) => [`BEGIN`, ...lines, '  RETURN NULL;', 'END', BODY_QUOTE].join('\n');
  return [
    {
      step: 0,
      phase: 'expand',
      suffix: '',
      extension: 'sql',
      text: sqlMigration({
        comment: `Expand: ${table.sql}.${c} moves to ${into}. Triggers keep both in step: what the old version writes to ${c}\nis copied over, what the new version writes to ${into} (INSERT … ON CONFLICT (${k}) DO UPDATE) is copied back.`,
        up: [
          `CREATE TABLE ${into} AS SELECT ${k}, ${c} FROM ${table.sql} WITH NO DATA`,
          `ALTER TABLE ${into} ADD PRIMARY KEY (${k})`,
          `ALTER TABLE ${into} ADD FOREIGN KEY (${k}) REFERENCES ${table.sql} (${k}) ON DELETE CASCADE`,
          // SET search_path FROM CURRENT: the bodies' table names resolve as in this migration, not
          // through a versioned application's search_path, whose views hide the column
          `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS ${BODY_QUOTE}\n${body(
            [
              `  INSERT INTO ${into} (${k}, ${c}) VALUES (NEW.${k}, NEW.${c})`,
              `    ON CONFLICT (${k}) DO UPDATE SET ${c} = EXCLUDED.${c};`,
            ],
          )}`,
          `CREATE TRIGGER ${insertTrigger} AFTER INSERT ON ${table.sql} FOR EACH ROW WHEN (NEW.${c} IS NOT NULL) EXECUTE FUNCTION ${fn}()`,
          `CREATE TRIGGER ${updateTrigger} AFTER UPDATE ON ${table.sql} FOR EACH ROW WHEN (OLD.${c} IS DISTINCT FROM NEW.${c}) EXECUTE FUNCTION ${fn}()`,
          // and back: what the new version writes to the new table reaches the column the old one reads;
          // a row already equal is not updated, so the copy of a copy stops there
          `CREATE FUNCTION ${back}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS ${BODY_QUOTE}\n${body(
            [
              `  UPDATE ${table.sql} SET ${c} = NEW.${c} WHERE ${k} = NEW.${k} AND ${c} IS DISTINCT FROM NEW.${c};`,
            ],
          )}`,
          `CREATE TRIGGER ${backTrigger} AFTER INSERT OR UPDATE ON ${into} FOR EACH ROW EXECUTE FUNCTION ${back}()`,
        ],
        down: [...dropBack('IF EXISTS '), ...dropTriggers('IF EXISTS '), `DROP TABLE IF EXISTS ${into}`],
      }),
    },
    {
      step: 0,
      phase: 'backfill',
      suffix: '',
      extension: 'ts',
      text: [
        `// Backfill: copies ${table.sql}.${c} into ${into}, batch by batch; rows the trigger or the new version`,
        '// wrote already are left as they are (ON CONFLICT DO NOTHING): theirs is the newer value.',
        'export default {',
        `  table: ${JSON.stringify(table.text)},`,
        `  key: ${JSON.stringify(key)},`,
        // `set` is what a backfill spec must name; with `run`, `run` does the writing
        `  set: ${JSON.stringify({ [column]: c })},`,
        `  where: ${JSON.stringify(`${c} IS NOT NULL`)},`,
        '  async run(batch: { keys: unknown[][]; client: { query(text: string, values: unknown[]): Promise<unknown> } }) {',
        `    await batch.client.query(${JSON.stringify(copy)}, [batch.keys.map((k) => k[0])]);`,
        '  },',
        '};',
        '',
      ].join('\n'),
    },
    {
      step: 1,
      phase: 'contract',
      suffix: '_drop_old',
      extension: 'sql',
      text: sqlMigration({
        comment: `Contract: every application server uses ${into}; the trigger and ${table.sql}.${c} go.`,
        up: [...dropBack(''), ...dropTriggers(''), `ALTER TABLE ${table.sql} DROP COLUMN ${c}`],
        down: { irreversible: `${table.sql}.${c} is gone; ${into} holds its values` },
      }),
    },
  ];
}
