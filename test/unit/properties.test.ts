import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSqlExpression } from '../../core/backfill/expression.ts';
import { parseDuration } from '../../core/duration.ts';
import { InvalidInput, MigrationFailed, MigrationLoadError, ZerodownError } from '../../core/errors.ts';
import { lintPaths } from '../../core/lint/index.ts';
import { parseFileName } from '../../core/migrations/filename.ts';
import { parseSqlMigration } from '../../core/migrations/sql-file.ts';
import { loadSqlParser } from '../../core/sql/statements.ts';
import { parseWorkflowInput } from '../../lambdas/input.ts';

// Random and mutated input never crashes the parsers: the result is always a value, findings, or one of
// zerodown's own errors (which the CLI prints as one line naming the file). A counterexample is printed
// with its seed; `fc.assert(..., { seed, path })` replays it.

/** Runs `f` and returns what it returned, or the error it threw. */
function outcome<T>(f: () => T): { value: T } | { error: unknown } {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
}

/** Real migration text, to mutate: dbmate markers, options, quoting, dollar quoting, comments. */
const SEEDS = [
  '-- migrate:up\nALTER TABLE users ADD COLUMN display_name text;\n-- migrate:down\nALTER TABLE users DROP COLUMN display_name;\n',
  '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n',
  "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.x := 'a;b'; RETURN NEW; END $$;",
  "-- migrate:up\nINSERT INTO t VALUES ('it''s', E'\\\\n', \"q\"\"x\");\n/* block; */ SELECT 1;\n-- migrate:down irreversible: data\n",
  'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
];

/** A seed with random edits: characters inserted, deleted or replaced at random places. */
const mutatedSql = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('insert', 'delete', 'replace'),
        fc.string({ unit: 'binary', maxLength: 4 }),
      ),
      { maxLength: 6 },
    ),
  )
  .map(([seed, edits]) =>
    edits.reduce((text, [at, kind, piece]) => {
      const i = text.length === 0 ? 0 : at % text.length;
      if (kind === 'insert') return text.slice(0, i) + piece + text.slice(i);
      if (kind === 'delete') return text.slice(0, i) + text.slice(i + piece.length + 1);
      return text.slice(0, i) + piece + text.slice(i + piece.length);
    }, seed),
  );

const anySql = fc.oneof(
  mutatedSql,
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ maxLength: 200 }),
);

beforeAll(async () => {
  await loadSqlParser();
});

describe('the SQL migration loader', () => {
  it('parses or refuses with MigrationLoadError naming the file, for any text', () => {
    fc.assert(
      fc.property(anySql, (text) => {
        const result = outcome(() => parseSqlMigration('migrations/1_x.sql', text));
        if ('error' in result) {
          expect(result.error).toBeInstanceOf(MigrationLoadError);
          expect((result.error as Error).message).toContain('migrations/1_x.sql');
        } else {
          expect(Array.isArray(result.value.up.statements)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('migration file names', () => {
  const names = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc
      .tuple(
        fc.stringMatching(/^[0-9]{1,16}$/),
        fc.string({ maxLength: 12 }),
        fc.constantFrom('', '.expand', '.backfill', '.contract', '.cleanup', '.sql'),
        fc.constantFrom('.sql', '.SQL', '.js', '.ts', '.json', '.txt', ''),
      )
      .map(([v, n, p, e]) => `${v}_${n}${p}${e}`),
  );
  it('gives version, name and phase, or a MigrationLoadError naming the file', () => {
    fc.assert(
      fc.property(names, (name) => {
        const result = outcome(() => parseFileName(name, `migrations/${name}`));
        if ('error' in result) expect(result.error).toBeInstanceOf(MigrationLoadError);
        else {
          expect(result.value.version).toMatch(/^\d+([._]\d+)*$/);
          expect(['expand', 'backfill', 'contract']).toContain(result.value.phase);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('durations', () => {
  it('are a finite whole number of milliseconds, or InvalidInput saying how to write one', () => {
    const texts = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc
        .tuple(
          fc.stringMatching(/^[0-9]{1,400}(\.[0-9]{1,5})?$/),
          fc.constantFrom('', 'ms', 's', 'm', 'min', 'h', 'd', 'x'),
        )
        .map(([n, unit]) => `${n}${unit}`),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const result = outcome(() => parseDuration(text, '--wait'));
        if ('error' in result) {
          expect(result.error).toBeInstanceOf(InvalidInput);
          expect((result.error as Error).message).toMatch(/--wait/);
        } else {
          expect(Number.isSafeInteger(result.value)).toBe(true);
          expect(result.value).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('backfill expressions', () => {
  it('are one expression, or MigrationFailed naming the file and field', () => {
    const expressions = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .tuple(
          fc.constantFrom('username', 'lower(email)', "coalesce(a, 'x')", 'id > 5'),
          fc.string({ maxLength: 12 }),
        )
        .map(([e, tail]) => e + tail),
    );
    fc.assert(
      fc.property(expressions, (text) => {
        const result = outcome(() => parseSqlExpression('1_x.backfill.json', 'set.login', text));
        if ('error' in result) {
          expect(result.error).toBeInstanceOf(MigrationFailed);
          expect((result.error as Error).message).toContain('set.login');
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('workflow input', () => {
  it('is validated, or refused with InvalidInput naming what is wrong, for any JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.record({ release: fc.string({ maxLength: 20 }) }, { requiredKeys: [] })),
        (value) => {
          const result = outcome(() => parseWorkflowInput(value));
          if ('error' in result) {
            expect(result.error).toBeInstanceOf(InvalidInput);
            expect((result.error as Error).message).toMatch(/^invalid workflow input: /);
          } else expect(typeof result.value.release).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('lint', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zerodown-properties-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('returns findings for any file text, never throws', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(anySql, async (text) => {
        const file = join(dir, `${++n}_x.sql`);
        await writeFile(file, text);
        try {
          const findings = await lintPaths([file]);
          for (const finding of findings) {
            expect(typeof finding.rule).toBe('string');
            expect(['error', 'warning']).toContain(finding.severity);
          }
        } catch (error) {
          // only zerodown's own errors, one line each (never a parser crash or a TypeError)
          expect(error).toBeInstanceOf(ZerodownError);
        } finally {
          await rm(file, { force: true });
        }
      }),
      { numRuns: 150 },
    );
  });
});
