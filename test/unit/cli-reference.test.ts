import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.ts';
import { DEFAULT_LOCK_TIMEOUT_TEXT, durationText } from '../../cli/options.ts';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../../core/db/connection.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's option tables: heading `#### \`zerodown <command> …\`` -> rows `| \`--flag …\` | default | what |`. */
function referenceTables(): Map<string, Map<string, string>> {
  const tables = new Map<string, Map<string, string>>();
  const reference = README.slice(
    README.indexOf('### Command reference'),
    README.indexOf('\n## ', README.indexOf('### Command reference')),
  );
  for (const section of reference.split('\n#### ').slice(1)) {
    const heading = section.slice(0, section.indexOf('\n'));
    const rows = new Map<string, string>();
    for (const line of section.split('\n')) {
      const row = /^\| `(--[a-z-]+)[^`]*` \|([^|]*)\|/.exec(line);
      if (row) rows.set(row[1]!, row[2]!.trim());
    }
    // `zerodown gate approve` / `zerodown gate reject`: one table for both
    for (const name of heading.matchAll(/`zerodown ([a-z]+(?: [a-z]+)?)/g)) tables.set(name[1]!.trim(), rows);
  }
  return tables;
}

/** Every runnable command with its path (`up`, `gate approve`). */
function commands(program: Command, prefix = ''): [string, Command][] {
  return program.commands.flatMap((command) => {
    const path = `${prefix}${command.name()}`;
    return command.commands.length > 0
      ? commands(command, `${path} `)
      : [[path, command] as [string, Command]];
  });
}

/** The default as `--help` shows it, or undefined when help shows none. */
function shownDefault(option: Option): string | undefined {
  if (option.defaultValue === undefined) return undefined;
  const shown =
    option.required || option.optional || (option.isBoolean() && typeof option.defaultValue === 'boolean');
  if (!shown) return undefined;
  return option.defaultValueDescription ?? String(option.defaultValue);
}

describe('the README command reference', () => {
  const tables = referenceTables();
  const program = buildProgram();

  it.each(commands(program).map(([name, command]) => [name, command] as const))(
    '%s: the README lists exactly its options, with the defaults --help shows',
    (name, command) => {
      // GIVEN the options the command really takes
      const options = command.options.filter((o) => o.long !== '--help');
      // WHEN its README table is read
      const rows = tables.get(name);
      // THEN the table exists and lists the same flags, each default as help shows it
      expect(rows, `README has no table for zerodown ${name}`).toBeDefined();
      expect([...rows!.keys()].sort()).toEqual(options.map((o) => o.long!).sort());
      for (const option of options) {
        const shown = shownDefault(option);
        if (shown !== undefined) expect(rows!.get(option.long!), `${name} ${option.long}`).toContain(shown);
      }
    },
  );

  it('the lock_timeout help shows is the connection default, as a duration', () => {
    expect(DEFAULT_LOCK_TIMEOUT_TEXT).toBe(durationText(DEFAULT_LOCK_TIMEOUT_MS));
    const up = commands(program).find(([name]) => name === 'up')![1];
    expect(up.helpInformation()).toContain(`(default: ${DEFAULT_LOCK_TIMEOUT_TEXT})`);
  });

  it('durations in help read as durations, not milliseconds', () => {
    const start = commands(program)
      .find(([name]) => name === 'start')![1]
      .helpInformation();
    expect(start).toMatch(/--wait-timeout <duration>\s+how long --wait waits \(default: 1h\)/);
    expect(start).toMatch(/--poll-interval <duration>\s+how often --wait polls \(default: 5s\)/);
    expect(start).not.toMatch(/3600000|\b5000\b/);
    expect(durationText(500)).toBe('500ms');
    expect(durationText(0)).toBe('0s');
  });
});
