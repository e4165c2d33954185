import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The rows of docs/reliability.md's table: the test file and the test's title each row names. */
async function rows(): Promise<{ fault: string; file: string; title: string }[]> {
  const text = await readFile(`${ROOT}docs/reliability.md`, 'utf8');
  return text
    .split('\n')
    .filter((line) => /^\| .* \| `test\//.test(line))
    .map((line) => {
      const cells = line.split(' | ').map((cell) => cell.replace(/^\|\s*|\s*\|$/g, '').trim());
      return { fault: cells[0]!, file: cells[2]!.replaceAll('`', ''), title: cells[3]! };
    });
}

describe('docs/reliability.md', () => {
  it('names only tests that exist, each in the file it names', async () => {
    const table = await rows();
    expect(table.length).toBeGreaterThanOrEqual(40);
    const missing: string[] = [];
    for (const row of table) {
      const source = await readFile(`${ROOT}${row.file}`, 'utf8').catch(() => '');
      // the title as written in an it('…') (quotes in the title may be escaped in the source)
      const normalized = source.replaceAll("\\'", "'");
      if (!normalized.includes(row.title)) missing.push(`${row.file}: ${row.title}`);
    }
    expect(missing).toEqual([]);
  });
});
