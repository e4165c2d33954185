import { MigrationLoadError, SqlSyntaxError, syntaxErrorText } from '../errors.ts';
import { cannotRunInTransaction, type SqlStatement, splitStatements } from '../sql/statements.ts';
import type { DownScript, SqlScript } from './types.ts';

const MARKER = /^--\s*migrate:(up|down)\b(.*)$/;

interface Section {
  readonly direction: 'up' | 'down';
  readonly options: string;
  readonly firstLine: number;
  readonly lines: string[];
}

/** The statement's first words up to about 60 characters, cut between words (`CREATE INDEX CONCURRENTLY … ON users …`). */
function leadingWords(sql: string, most = 60): string {
  const flat = sql.replace(/\s+/g, ' ');
  if (flat.length <= most) return flat;
  const cut = flat.lastIndexOf(' ', most);
  return `${flat.slice(0, cut > 0 ? cut : most)} …`;
}

/** Builds a script: runs outside a transaction when asked or when a statement cannot run inside one. */
export function toScript(statements: SqlStatement[], transactionOption: boolean): SqlScript {
  if (!transactionOption) return { statements, transaction: false, noTransactionReason: 'transaction:false' };
  const blocker = statements.find(cannotRunInTransaction);
  if (blocker) {
    return {
      statements,
      transaction: false,
      noTransactionReason: `line ${blocker.line} cannot run inside a transaction (${leadingWords(blocker.sql)})`,
    };
  }
  return { statements, transaction: true };
}

function parseSection(file: string, section: Section): SqlScript {
  const options = section.options.trim();
  const transaction = !/\btransaction:\s*false\b/.test(options);
  try {
    return toScript(splitStatements(section.lines.join('\n'), section.firstLine), transaction);
  } catch (error) {
    if (error instanceof SqlSyntaxError) {
      throw new MigrationLoadError(file, syntaxErrorText(error.message), {
        line: error.line,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Parses a SQL migration: dbmate sections `-- migrate:up [transaction:false]` and `-- migrate:down`,
 * or no markers (the whole file is up, and there is no down). `-- migrate:down irreversible: <reason>`
 * says why there can be no down; an empty down section is a down that has nothing to do.
 *
 * @example
 * parseSqlMigration('1_x.sql', '-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;');
 */
export function parseSqlMigration(file: string, text: string): { up: SqlScript; down: DownScript } {
  const lines = text.split(/\r?\n/);
  const sections: Section[] = [];
  let current: Section | undefined;
  const preamble: string[] = [];
  lines.forEach((line, index) => {
    // at the start of the line, as dbmate reads it: an indented `-- migrate:down` is a comment
    const marker = MARKER.exec(line.trimEnd());
    if (marker) {
      const direction = marker[1] as 'up' | 'down';
      if (sections.some((s) => s.direction === direction)) {
        throw new MigrationLoadError(
          file,
          `second "-- migrate:${direction}" marker; a file has one of each`,
          {
            line: index + 1,
          },
        );
      }
      current = { direction, options: marker[2] ?? '', firstLine: index + 2, lines: [] };
      sections.push(current);
    } else if (current) current.lines.push(line);
    else preamble.push(line);
  });
  if (sections.length === 0) {
    const up = parseSection(file, { direction: 'up', options: '', firstLine: 1, lines });
    return { up, down: { kind: 'irreversible', reason: 'the file has no "-- migrate:down" section' } };
  }
  const upSection = sections.find((s) => s.direction === 'up');
  if (!upSection) throw new MigrationLoadError(file, 'has "-- migrate:down" but no "-- migrate:up" section');
  if (preamble.some((line) => line.trim() !== '' && !line.trim().startsWith('--'))) {
    throw new MigrationLoadError(
      file,
      'SQL before the first "-- migrate:" marker would never run; move it into a section',
      {
        line: preamble.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('--')) + 1,
      },
    );
  }
  const up = parseSection(file, upSection);
  const downSection = sections.find((s) => s.direction === 'down');
  if (!downSection)
    return { up, down: { kind: 'irreversible', reason: 'the file has no "-- migrate:down" section' } };
  const said = /^irreversible\b:?\s*(.*)$/i.exec(downSection.options.trim());
  if (said)
    return { up, down: { kind: 'irreversible', reason: said[1] || 'its down section says irreversible' } };
  // an empty down section is a down with nothing to do (dbmate's meaning), e.g. after VALIDATE CONSTRAINT
  try {
    return { up, down: { kind: 'script', script: parseSection(file, downSection) } };
  } catch (error) {
    // a broken down blocks only what needs it (lint of this file, a rollback through it), not the load
    if (!(error instanceof MigrationLoadError) || !(error.cause instanceof SqlSyntaxError)) throw error;
    const line = error.line ?? downSection.firstLine;
    return {
      up,
      down: {
        kind: 'irreversible',
        reason: `its down section does not parse (line ${line}: ${error.cause.message}): fix it before rolling back through it`,
        syntaxError: { line, message: error.cause.message },
      },
    };
  }
}
