import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintPaths } from '../../../core/lint/index.ts';
import type { LintFinding } from '../../../core/lint/types.ts';

const CORPUS = fileURLToPath(new URL('../../fixtures/lint-corpus/', import.meta.url));

// Backfill specs are JSON and cannot say what they expect in a comment.
const JSON_EXPECTATIONS: Record<string, { errors: string[] }> = {
  '023_customers_display_name.backfill.json': { errors: [] },
  '071_orders_reference.backfill.json': { errors: ['syntax-error'] },
};

interface Expectation {
  readonly file: string;
  readonly phase: 'expand' | 'contract' | 'backfill';
  readonly errors: string[];
  readonly warnings?: string[];
}

function list(text: string | undefined): string[] {
  const value = (text ?? '').trim();
  return value === 'safe'
    ? []
    : value
        .split(/\s*,\s*/)
        .filter(Boolean)
        .sort();
}

async function expectations(): Promise<Expectation[]> {
  const files = (await readdir(CORPUS)).filter((f) => /\.(sql|js|json)$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const phase = file.includes('.contract.')
        ? 'contract'
        : file.includes('.backfill.')
          ? 'backfill'
          : 'expand';
      if (file.endsWith('.json')) return { file, phase, errors: JSON_EXPECTATIONS[file]!.errors };
      const text = await readFile(`${CORPUS}${file}`, 'utf8');
      const errors = /^(?:--|\/\/) expect: (.*)$/m.exec(text)?.[1];
      if (errors === undefined) throw new Error(`${file} does not say what it expects`);
      const warnings = /^(?:--|\/\/) expect-warnings: (.*)$/m.exec(text)?.[1];
      return {
        file,
        phase,
        errors: list(errors),
        warnings: warnings === undefined ? undefined : list(warnings),
      };
    }),
  );
}

let expected: Expectation[];
let findings: LintFinding[];
beforeAll(async () => {
  expected = await expectations();
  findings = await lintPaths([CORPUS], { cwd: CORPUS });
});

const rulesIn = (file: string, severity: 'error' | 'warning') =>
  [...new Set(findings.filter((f) => f.file === file && f.severity === severity).map((f) => f.rule))].sort();

describe('the lint corpus (one shop, 123 migrations, linted as one directory)', () => {
  it('has at least 60 files, both phases, at least two in five safe and two in five dangerous', () => {
    expect(expected.length).toBeGreaterThanOrEqual(60);
    for (const phase of ['expand', 'contract'] as const) {
      const inPhase = expected.filter((e) => e.phase === phase);
      expect(inPhase.filter((e) => e.errors.length === 0).length).toBeGreaterThanOrEqual(10);
      expect(inPhase.filter((e) => e.errors.length > 0).length).toBeGreaterThanOrEqual(10);
    }
    const safe = expected.filter((e) => e.errors.length === 0).length;
    // each rule has two dangerous cases and one safe one, so the dangerous side may be the larger
    expect(safe / expected.length).toBeGreaterThanOrEqual(0.4);
    expect(safe / expected.length).toBeLessThanOrEqual(0.6);
  });

  it('classifies every file right: exactly the expected error rules, and warnings where a file lists them', async () => {
    const actual = (await expectations()).map((e) => ({
      file: e.file,
      errors: rulesIn(e.file, 'error'),
      ...(e.warnings ? { warnings: rulesIn(e.file, 'warning') } : {}),
    }));
    expect(actual).toEqual(
      expected.map(({ file, errors, warnings }) => ({ file, errors, ...(warnings ? { warnings } : {}) })),
    );
  });

  it('every error rule of the pack is exercised by at least one dangerous file', async () => {
    const { LINT_RULES } = await import('../../../core/lint/rules/index.ts');
    const errorRules = LINT_RULES.filter(
      (r) => r.severity.expand === 'error' || r.severity.contract === 'error',
    ).map((r) => r.id);
    const seen = new Set(expected.flatMap((e) => e.errors));
    expect(errorRules.filter((id) => !seen.has(id))).toEqual([]);
  });
});
