// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the one java.util.zip.CRC32 computes. zlib.crc32
// is the same function but only from Node 20.15; the table is eight lines.
const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 of the bytes, unsigned. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The checksum Flyway stores in `flyway_schema_history.checksum` for a SQL migration: it reads the
 * file as text (UTF-8, its default encoding), drops a byte-order mark from the first line, and feeds
 * the UTF-8 bytes of each line, without its line break (`\n`, `\r\n` or `\r`), to one CRC-32; the value
 * is stored as a signed 32-bit integer. So line endings do not change it, and neither do empty lines.
 *
 * @example
 * flywayChecksum(readFileSync('migrations/V1__init.sql')); // e.g. -1534271393
 */
export function flywayChecksum(bytes: Buffer): number {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return crc32(Buffer.from(text.split(/\r\n|\r|\n/).join(''), 'utf8')) | 0;
}
