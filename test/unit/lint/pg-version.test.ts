import { describe, expect, it } from 'vitest';
import { loadLintConfig } from '../../../core/lint/config.ts';
import { lintSqlText } from '../../../core/lint/sql-text.ts';

const rule = (findings: Awaited<ReturnType<typeof lintSqlText>>, id: string) =>
  findings.filter((f) => f.rule === id);

describe('rules whose truth changes with the PostgreSQL major version', () => {
  it('a constant default on ADD COLUMN rewrites before 11, and is catalog-only from 11 (and when unknown)', async () => {
    const sql = "ALTER TABLE orders ADD COLUMN state text DEFAULT 'new';";
    const old = rule(await lintSqlText(sql, { pgVersion: 10 }), 'adding-volatile-default');
    expect(old).toEqual([
      expect.objectContaining({
        severity: 'error',
        pgVersion: 10,
        message: expect.stringMatching(/on PostgreSQL 10 \(before 11/),
      }),
    ]);
    expect(rule(await lintSqlText(sql, { pgVersion: 11 }), 'adding-volatile-default')).toEqual([]);
    expect(rule(await lintSqlText(sql), 'adding-volatile-default')).toEqual([]);
    expect(
      rule(
        await lintSqlText('ALTER TABLE orders ADD COLUMN s text DEFAULT NULL;', { pgVersion: 10 }),
        'adding-volatile-default',
      ),
    ).toEqual([]);
  });

  it('DETACH PARTITION … CONCURRENTLY is the fix from 14, and rejected before', async () => {
    const concurrently = 'ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;';
    expect(rule(await lintSqlText(concurrently, { pgVersion: 14 }), 'detaching-partition')).toEqual([]);
    expect(rule(await lintSqlText(concurrently, { pgVersion: 13 }), 'detaching-partition')).toEqual([
      expect.objectContaining({ severity: 'error', message: expect.stringMatching(/PostgreSQL 13 rejects/) }),
    ]);
    const plain = rule(
      await lintSqlText('ALTER TABLE events DETACH PARTITION events_2020;', { pgVersion: 12 }),
      'detaching-partition',
    );
    expect(plain[0]!.message).toMatch(/PostgreSQL 12 has no concurrent form/);
  });

  it('VACUUM FULL and CLUSTER name REPACK from 19, pg_repack before', async () => {
    const [v19] = rule(await lintSqlText('VACUUM FULL orders;', { pgVersion: 19 }), 'vacuum-full');
    expect(v19!.hint).toMatch(/^REPACK orders;/);
    const [v15] = rule(await lintSqlText('VACUUM FULL orders;', { pgVersion: 15 }), 'vacuum-full');
    expect(v15!.hint).toMatch(/pg_repack/);
    const [cluster] = rule(
      await lintSqlText('CLUSTER orders USING orders_pkey;', { pgVersion: 19 }),
      'cluster',
    );
    expect(cluster!.hint).toMatch(/^REPACK orders;/);
  });

  it('the config gives the version when the caller does not; the caller wins', async () => {
    const sql = "ALTER TABLE orders ADD COLUMN state text DEFAULT 'new';";
    const config = { pgVersion: 10 };
    expect(rule(await lintSqlText(sql, { config }), 'adding-volatile-default')).toHaveLength(1);
    expect(rule(await lintSqlText(sql, { config, pgVersion: 16 }), 'adding-volatile-default')).toEqual([]);
    expect(typeof loadLintConfig).toBe('function');
  });
});
