import { describe, expect, it } from 'vitest';
import { formatFindings } from '../../../core/lint/format.ts';
import type { LintFinding } from '../../../core/lint/types.ts';

const findings: LintFinding[] = [
  {
    file: 'migrations/2_idx,new.sql',
    line: 3,
    column: 7,
    rule: 'require-concurrent-index-creation',
    severity: 'error',
    message: 'CREATE INDEX a on t without CONCURRENTLY blocks writes: 100% of them',
    hint: 'CREATE INDEX CONCURRENTLY a ON t (a | b);\n-- in a migration of its own',
  },
  {
    file: 'migrations/3_t.sql',
    line: 1,
    column: 1,
    rule: 'prefer-jsonb',
    severity: 'warning',
    message: 't.p is json; use jsonb',
    hint: 'p jsonb',
  },
];

describe('formatFindings', () => {
  it('json: one object with the findings, exactly the documented keys in order', () => {
    const parsed = JSON.parse(formatFindings(findings, 'json'));
    expect(Object.keys(parsed)).toEqual(['findings']);
    expect(Object.keys(parsed.findings[0])).toEqual([
      'file',
      'line',
      'column',
      'rule',
      'severity',
      'message',
      'hint',
    ]);
    expect(parsed.findings).toEqual(findings);
    expect(JSON.parse(formatFindings([], 'json'))).toEqual({ findings: [] });
  });

  it('github: workflow annotations with escaped properties and data', () => {
    expect(formatFindings(findings, 'github').split('\n')).toEqual([
      '::error file=migrations/2_idx%2Cnew.sql,line=3,col=7,title=zerodown require-concurrent-index-creation::CREATE INDEX a on t without CONCURRENTLY blocks writes: 100%25 of them%0ASafe: CREATE INDEX CONCURRENTLY a ON t (a | b);%0A-- in a migration of its own',
      '::warning file=migrations/3_t.sql,line=1,col=1,title=zerodown prefer-jsonb::t.p is json; use jsonb%0ASafe: p jsonb',
    ]);
  });

  it('markdown: a table for a pull-request comment, pipes and newlines escaped', () => {
    const lines = formatFindings(findings, 'markdown').split('\n');
    expect(lines[0]).toBe('### zerodown lint: 1 error, 1 warning');
    expect(lines[2]).toBe('| | Where | Rule | Problem | Safe alternative |');
    expect(lines[4]).toBe(
      '| **error** | `migrations/2_idx,new.sql:3` | [`require-concurrent-index-creation`](docs/lint-rules.md#require-concurrent-index-creation) | CREATE INDEX a on t without CONCURRENTLY blocks writes: 100% of them | <code>CREATE INDEX CONCURRENTLY a ON t (a \\| b);<br>-- in a migration of its own</code> |',
    );
    expect(formatFindings([], 'markdown')).toBe('### zerodown lint: no findings\n\nEvery migration passed.');
  });

  it('text: file:line:column, severity and rule, the message and the safe alternative, then a summary', () => {
    const text = formatFindings(findings, 'text');
    expect(text).toContain(
      'migrations/2_idx,new.sql:3:7: error require-concurrent-index-creation\n  CREATE INDEX a on t without CONCURRENTLY blocks writes: 100% of them\n  safe: CREATE INDEX CONCURRENTLY a ON t (a | b);\n        -- in a migration of its own',
    );
    expect(text.endsWith('zerodown lint: 1 error, 1 warning')).toBe(true);
  });
});
