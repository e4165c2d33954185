/** The parts of a dbmate-style SQL migration a recipe writes. */
export interface SqlMigrationParts {
  /** Why this step exists and what the application must do meanwhile; each line becomes a `--` comment. */
  readonly comment: string;
  readonly up: readonly string[];
  /** Statements of the down; `{ irreversible }` says why there is none (rollback stops with it). */
  readonly down: readonly string[] | { readonly irreversible: string };
  /** A note in the down section when it deliberately does less than undo the up. */
  readonly downNote?: string;
  /** Run outside a transaction (CONCURRENTLY). */
  readonly outsideTransaction?: boolean;
}

const comments = (text: string) =>
  text
    .split('\n')
    .map((line) => `-- ${line}`.trimEnd())
    .join('\n');

const statements = (list: readonly string[]) => list.map((s) => `${s};\n`).join('');

/**
 * The text of a `.sql` migration with `-- migrate:up` and `-- migrate:down` sections.
 *
 * @example
 * sqlMigration({ comment: 'Expand', up: ['ALTER TABLE "t" ADD COLUMN "c" text'], down: ['ALTER TABLE "t" DROP COLUMN "c"'] });
 */
export function sqlMigration(parts: SqlMigrationParts): string {
  const option = parts.outsideTransaction ? ' transaction:false' : '';
  const head = `${comments(parts.comment)}\n-- migrate:up${option}\n${statements(parts.up)}\n`;
  if ('irreversible' in parts.down) {
    return `${head}-- migrate:down irreversible: ${parts.down.irreversible.replaceAll('\n', ' ')}\n`;
  }
  const note = parts.downNote ? `${comments(parts.downNote)}\n` : '';
  return `${head}-- migrate:down${option}\n${note}${statements(parts.down)}`;
}

/** A `.backfill.json` spec's text. */
export function backfillJson(spec: Record<string, unknown>): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}
