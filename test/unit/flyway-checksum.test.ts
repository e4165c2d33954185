import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, flywayChecksum } from '../../core/baseline/flyway-checksum.ts';

// Checksums computed by `java test/support/flyway/FlywayChecksum.java` (the JDK's BufferedReader and
// CRC32, as Flyway reads a SQL migration) over exactly these bytes, on OpenJDK 17.
const JAVA_COMPUTED: [string, Buffer, number][] = [
  ['one line with LF', Buffer.from('CREATE TABLE accounts (id bigint PRIMARY KEY);\n'), 2095784264],
  [
    'CRLF lines and an empty one',
    Buffer.from('CREATE TABLE accounts (id bigint PRIMARY KEY);\r\n\r\nINSERT INTO accounts VALUES (1);\r\n'),
    -553947693,
  ],
  [
    'a byte-order mark, UTF-8, a lone CR, no final break',
    Buffer.from('\xef\xbb\xbf-- caf\xc3\xa9\nSELECT 1;\rSELECT 2;', 'latin1'),
    1574352372,
  ],
  ['an empty file', Buffer.alloc(0), 0],
];

describe("Flyway's checksum", () => {
  it.each(JAVA_COMPUTED)('%s: the value Java computes', (_what, bytes, expected) => {
    expect(flywayChecksum(bytes)).toBe(expected);
  });

  it('does not change with line endings or empty lines, and does with the text', () => {
    const lf = flywayChecksum(Buffer.from('SELECT 1;\nSELECT 2;\n'));
    expect(flywayChecksum(Buffer.from('SELECT 1;\r\n\r\nSELECT 2;'))).toBe(lf);
    expect(flywayChecksum(Buffer.from('SELECT 1;\nSELECT 3;\n'))).not.toBe(lf);
  });

  it('the CRC-32 is the one zlib computes', () => {
    const bytes = Buffer.from('zerodown baseline', 'utf8');
    const zlibCrc = (zlib as { crc32?: (data: Buffer) => number }).crc32;
    // zlib.crc32 exists from Node 20.15; the standard check value holds everywhere
    if (zlibCrc) expect(crc32(bytes)).toBe(zlibCrc(bytes));
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
