import type { Severity } from './types.ts';

/** Findings about a file as a whole rather than a statement: produced by the linter itself. */
export interface FileFindingKind {
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  readonly why: string;
}

/** What the linter reports when it cannot lint a file, or a suppression is wrong. */
export const FILE_FINDINGS = {
  syntaxError: {
    id: 'syntax-error',
    severity: 'error',
    title: 'SQL the PostgreSQL parser rejects',
    why: "The file (or the SQL a node-pg-migrate module generates, or a backfill expression) does not parse: it would fail when applied. The finding carries the parser's message and the line where it stopped.",
  },
  invalidFile: {
    id: 'invalid-file',
    severity: 'error',
    title: 'a migration file zerodown cannot load',
    why: 'A file name that is not <version>_<name>[.<phase>].<ext>, two files with the same version and phase, a module that throws, an invalid backfill spec: `zerodown up` would refuse the directory.',
  },
  invalidIgnore: {
    id: 'invalid-ignore',
    severity: 'error',
    title: 'a zerodown:ignore comment without a rule or a reason',
    why: 'A suppression must name the rule and say why the statement is safe, so that reviewers (and the person who reads it in a year) can judge it: `-- zerodown:ignore <rule>[,<rule>] <reason>`. A comment that does not is not a suppression.',
  },
  unusedIgnore: {
    id: 'unused-ignore',
    severity: 'warning',
    title: 'a zerodown:ignore comment that suppresses nothing',
    why: 'The statement no longer has the finding the comment suppresses (it was fixed, or the comment sits above the wrong statement). A stale suppression would silently cover a later, real problem.',
  },
} as const satisfies Record<string, FileFindingKind>;
