import { scanSync } from 'libpg-query';

/** One statement's text with its tokens, for cutting out the parts the parse tree only points at. */
export interface StatementText {
  readonly bytes: Buffer;
  readonly tokens: readonly { start: number; end: number; text: string }[];
  /** The text between two byte offsets. */
  slice(start: number, end?: number): string;
}

/** Scans one statement (the parser must be loaded); offsets are bytes, as the parse tree's `location`s. */
export function statementText(sql: string): StatementText {
  const bytes = Buffer.from(sql);
  return {
    bytes,
    tokens: scanSync(sql).tokens,
    slice: (start, end) => bytes.subarray(start, end).toString().trim(),
  };
}

/**
 * Where each command of `ALTER TABLE name cmd, cmd, …` starts and ends: after the table name (at its
 * `location`, with its schema), split at the commas outside parentheses.
 */
export function alterCommandRanges(text: StatementText, relationLocation: number): [number, number][] {
  const { tokens } = text;
  let i = tokens.findIndex((t) => t.start === relationLocation);
  while (tokens[i + 1]?.text === '.') i += 2;
  if (tokens[i + 1]?.text === '*') i++;
  const ranges: [number, number][] = [];
  let start = tokens[i]!.end;
  let depth = 0;
  for (const token of tokens.slice(i + 1)) {
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    else if (token.text === ',' && depth === 0) {
      ranges.push([start, token.start]);
      start = token.end;
    }
  }
  ranges.push([start, text.bytes.length]);
  return ranges;
}

/** The first token at or after `from`, before `to`, that is the keyword `word` outside parentheses. */
export function keywordAt(text: StatementText, word: string, from: number, to: number) {
  let depth = 0;
  for (const token of text.tokens) {
    if (token.start < from || token.start >= to) continue;
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    else if (depth === 0 && token.text.toUpperCase() === word) return token;
  }
  return undefined;
}
