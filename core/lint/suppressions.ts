import type { SqlStatement } from '../sql/statements.ts';

/** A `-- zerodown:ignore <rule>[,<rule>] <reason>` comment. */
export interface IgnoreComment {
  readonly line: number;
  readonly column: number;
  readonly rules: readonly string[];
  readonly reason: string;
  /** Set when the comment suppressed at least one finding. */
  used: boolean;
}

/** A comment that tries to suppress but cannot: no rule, no reason, or a rule that does not exist. */
export interface InvalidIgnore {
  readonly line: number;
  readonly column: number;
  readonly problem: string;
}

const MARK = /(--|\/\/|\/\*|#)\s*zerodown:ignore\b(.*)$/;

/** Reads every ignore comment of a file's text (SQL `--` or JavaScript `//` comments). */
export function readIgnoreComments(
  text: string,
  knownRules: ReadonlySet<string>,
): { comments: IgnoreComment[]; invalid: InvalidIgnore[] } {
  const comments: IgnoreComment[] = [];
  const invalid: InvalidIgnore[] = [];
  text.split(/\r?\n/).forEach((lineText, index) => {
    const match = MARK.exec(lineText);
    if (!match) return;
    const place = { line: index + 1, column: match.index + 1 };
    const rest = (match[2] ?? '').replace(/\*\/\s*$/, '').trim();
    const [ruleList = '', ...reasonWords] = rest.split(/\s+/);
    const rules = ruleList.split(',').filter(Boolean);
    const reason = reasonWords.join(' ').trim();
    const unknown = rules.filter((r) => !knownRules.has(r));
    if (rules.length === 0) {
      invalid.push({
        ...place,
        problem: 'zerodown:ignore names no rule: write "-- zerodown:ignore <rule> <reason>"',
      });
    } else if (unknown.length > 0) {
      invalid.push({
        ...place,
        problem: `zerodown:ignore names unknown rule(s) ${unknown.join(', ')}; see docs/lint-rules.md`,
      });
    } else if (!reason) {
      invalid.push({
        ...place,
        problem: `zerodown:ignore ${rules.join(',')} gives no reason: say why the statement is safe ("-- zerodown:ignore ${rules[0]} <reason>")`,
      });
    } else {
      comments.push({ ...place, rules, reason, used: false });
    }
  });
  return { comments, invalid };
}

/**
 * The ignore comments that belong to a statement of a SQL file: those in the comment lines right above
 * it, and those on the lines it spans (including after its semicolon).
 */
export function commentsForStatement(
  statement: SqlStatement,
  fileLines: readonly string[],
  comments: readonly IgnoreComment[],
): IgnoreComment[] {
  let first = statement.line;
  while (first > 1 && (fileLines[first - 2] ?? '').trimStart().startsWith('--')) first--;
  const last = statement.line + (statement.sql.match(/\n/g)?.length ?? 0);
  return comments.filter((c) => c.line >= first && c.line <= last);
}
