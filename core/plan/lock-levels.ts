/**
 * PostgreSQL's table-level lock per statement kind, and what the statement does to the table's data,
 * as `zerodown plan` reports them. Each entry has an example on the tables of `LOCK_FIXTURE`:
 * test/integration/lock-levels.test.ts runs every example that can run in a transaction and compares the
 * strongest lock pg_locks shows on `target`, and whether the table's file changed, with the entry.
 * docs/lock-levels.md is generated from this table.
 */
import { LOCK_MODES, type LockMode } from '../sql/lock-modes.ts';

/** What a statement does to the table's rows: writes a new copy, reads all of them, or neither. */
export type TableEffect = 'rewrite' | 'scan' | 'none';

/** One row of the table: a statement kind, its lock, its effect. */
export interface LockLevel {
  /** The statement as a person reads it. */
  readonly statement: string;
  /** The strongest lock on the table it names; `none` when it takes none on an existing table. */
  readonly lock: LockMode | 'none';
  readonly effect: TableEffect;
  /** An example on the fixture tables, and the relation whose lock the test reads. */
  readonly example: string;
  readonly target: string;
  /** The example cannot run inside a transaction block, so the test cannot read its locks. */
  readonly notInTransaction?: true;
  readonly note?: string;
}

/** What each lock mode keeps the application from doing while it is held (or waited for). */
export function blocks(lock: LockMode | 'none' | 'unknown'): string {
  switch (lock) {
    case 'ACCESS EXCLUSIVE':
      return 'reads and writes';
    case 'EXCLUSIVE':
      return 'writes (reads go on)';
    case 'SHARE ROW EXCLUSIVE':
    case 'SHARE':
      return 'writes (reads go on)';
    case 'SHARE UPDATE EXCLUSIVE':
      return 'other DDL and VACUUM (reads and writes go on)';
    case 'ROW EXCLUSIVE':
    case 'ROW SHARE':
    case 'ACCESS SHARE':
      return 'only DDL that conflicts (reads and writes go on; row locks apply)';
    case 'none':
      return 'nothing on existing tables';
    default:
      return 'not known: assume reads and writes';
  }
}

/** The tables the examples run on (the test creates them; the docs show them). */
export const LOCK_FIXTURE = `CREATE TABLE users (id bigserial PRIMARY KEY, username text, n int, c varchar(10));
CREATE INDEX users_n ON users (n);
CREATE UNIQUE INDEX users_c_unique ON users (c);
ALTER TABLE users ADD CONSTRAINT users_n_chk CHECK (n > 0) NOT VALID;
ALTER TABLE users ADD CONSTRAINT users_username_chk CHECK (username IS NOT NULL);
INSERT INTO users (username, n, c) VALUES ('a', 1, 'a');
CREATE TABLE other (id int PRIMARY KEY);
INSERT INTO other VALUES (1);
CREATE TABLE events (k int) PARTITION BY LIST (k);
CREATE TABLE events_1 (k int);
CREATE MATERIALIZED VIEW users_view AS SELECT id FROM users;`;

const AE = 'ACCESS EXCLUSIVE';

/** The lock table, keyed by the id the classifier (statement-locks.ts) returns. */
export const LOCK_LEVELS = {
  addColumn: {
    statement: 'ALTER TABLE … ADD COLUMN, no default or a non-volatile one',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users ADD COLUMN x text DEFAULT 1',
    target: 'users',
    note: 'PostgreSQL 11+ stores a non-volatile default in the catalog',
  },
  addColumnRewrite: {
    statement: 'ALTER TABLE … ADD COLUMN with a volatile default, or GENERATED … STORED',
    lock: AE,
    effect: 'rewrite',
    example: 'ALTER TABLE users ADD COLUMN x uuid DEFAULT gen_random_uuid()',
    target: 'users',
  },
  dropColumn: {
    statement: 'ALTER TABLE … DROP COLUMN',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users DROP COLUMN n',
    target: 'users',
  },
  alterColumnType: {
    statement: 'ALTER TABLE … ALTER COLUMN … TYPE',
    lock: AE,
    effect: 'rewrite',
    example: 'ALTER TABLE users ALTER COLUMN n TYPE bigint',
    target: 'users',
    note: 'indexes on the column are rebuilt too',
  },
  alterColumnTypeCatalogOnly: {
    statement: 'ALTER TABLE … ALTER COLUMN … TYPE, binary coercible (varchar longer, varchar to text)',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users ALTER COLUMN c TYPE varchar(20)',
    target: 'users',
  },
  setNotNull: {
    statement: 'ALTER TABLE … ALTER COLUMN … SET NOT NULL',
    lock: AE,
    effect: 'scan',
    example: 'ALTER TABLE users ALTER COLUMN n SET NOT NULL',
    target: 'users',
    note: 'the scan is skipped when a validated CHECK (col IS NOT NULL) proves it (PostgreSQL 12+)',
  },
  setNotNullProven: {
    statement: 'ALTER TABLE … ALTER COLUMN … SET NOT NULL, proven by a validated CHECK',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users ALTER COLUMN username SET NOT NULL',
    target: 'users',
  },
  columnCatalog: {
    statement: 'ALTER TABLE … ALTER COLUMN … DROP NOT NULL / SET DEFAULT / DROP DEFAULT',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users ALTER COLUMN n SET DEFAULT 1',
    target: 'users',
  },
  columnStatistics: {
    statement: 'ALTER TABLE … ALTER COLUMN … SET STATISTICS / SET (…) / RESET (…)',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'none',
    example: 'ALTER TABLE users ALTER COLUMN n SET STATISTICS 100',
    target: 'users',
  },
  addCheck: {
    statement: 'ALTER TABLE … ADD CONSTRAINT … CHECK',
    lock: AE,
    effect: 'scan',
    example: 'ALTER TABLE users ADD CONSTRAINT k CHECK (n > 0)',
    target: 'users',
  },
  addNotValid: {
    statement: 'ALTER TABLE … ADD CONSTRAINT … CHECK … NOT VALID',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users ADD CONSTRAINT k CHECK (n > 0) NOT VALID',
    target: 'users',
    note: 'held for an instant; VALIDATE CONSTRAINT scans later under SHARE UPDATE EXCLUSIVE',
  },
  addForeignKey: {
    statement: 'ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY',
    lock: 'SHARE ROW EXCLUSIVE',
    effect: 'scan',
    example: 'ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (n) REFERENCES other (id)',
    target: 'users',
    note: 'the referenced table is locked SHARE ROW EXCLUSIVE too',
  },
  addForeignKeyNotValid: {
    statement: 'ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY … NOT VALID',
    lock: 'SHARE ROW EXCLUSIVE',
    effect: 'none',
    example: 'ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (n) REFERENCES other (id) NOT VALID',
    target: 'other',
    note: 'on both tables',
  },
  addIndexConstraint: {
    statement: 'ALTER TABLE … ADD PRIMARY KEY / UNIQUE / EXCLUDE (builds an index)',
    lock: AE,
    effect: 'scan',
    example: 'ALTER TABLE users ADD CONSTRAINT u UNIQUE (n)',
    target: 'users',
  },
  addConstraintUsingIndex: {
    statement: 'ALTER TABLE … ADD PRIMARY KEY / UNIQUE USING INDEX',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_c_unique',
    target: 'users',
    note: 'a PRIMARY KEY also scans for NULLs unless the columns are already NOT NULL',
  },
  validateConstraint: {
    statement: 'ALTER TABLE … VALIDATE CONSTRAINT',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'scan',
    example: 'ALTER TABLE users VALIDATE CONSTRAINT users_n_chk',
    target: 'users',
  },
  dropConstraint: {
    statement: 'ALTER TABLE … DROP CONSTRAINT',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users DROP CONSTRAINT users_n_chk',
    target: 'users',
  },
  rename: {
    statement: 'ALTER TABLE … RENAME (table, column, constraint)',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users RENAME COLUMN n TO m',
    target: 'users',
  },
  renameIndex: {
    statement: 'ALTER INDEX … RENAME',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'none',
    example: 'ALTER INDEX users_n RENAME TO users_n2',
    target: 'users_n',
    note: 'on the index (PostgreSQL 12+)',
  },
  storageParameters: {
    statement: 'ALTER TABLE … SET (…) / RESET (…) / CLUSTER ON / SET WITHOUT CLUSTER',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'none',
    example: 'ALTER TABLE users SET (fillfactor = 70)',
    target: 'users',
  },
  setPersistence: {
    statement: 'ALTER TABLE … SET LOGGED / SET UNLOGGED / SET TABLESPACE / SET ACCESS METHOD',
    lock: AE,
    effect: 'rewrite',
    example: 'ALTER TABLE users SET UNLOGGED',
    target: 'users',
  },
  triggers: {
    statement: 'ALTER TABLE … ENABLE / DISABLE TRIGGER; CREATE TRIGGER',
    lock: 'SHARE ROW EXCLUSIVE',
    effect: 'none',
    example: 'ALTER TABLE users DISABLE TRIGGER ALL',
    target: 'users',
  },
  attachPartition: {
    statement: 'ALTER TABLE … ATTACH PARTITION',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'scan',
    example: 'ALTER TABLE events ATTACH PARTITION events_1 FOR VALUES IN (1)',
    target: 'events',
    note: 'on the parent; the partition is locked ACCESS EXCLUSIVE and scanned unless a CHECK proves its bound',
  },
  alterTableOther: {
    statement: 'ALTER TABLE, any other form (OWNER, ROW LEVEL SECURITY, DETACH PARTITION, …)',
    lock: AE,
    effect: 'none',
    example: 'ALTER TABLE users ENABLE ROW LEVEL SECURITY',
    target: 'users',
    note: "ALTER TABLE's default lock",
  },
  createIndex: {
    statement: 'CREATE INDEX',
    lock: 'SHARE',
    effect: 'scan',
    example: 'CREATE INDEX i ON users (n)',
    target: 'users',
  },
  createIndexConcurrently: {
    statement: 'CREATE INDEX CONCURRENTLY',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'scan',
    example: 'CREATE INDEX CONCURRENTLY i ON users (n)',
    target: 'users',
    note: 'two scans, and waits for every transaction that could use the table',
    notInTransaction: true,
  },
  dropIndex: {
    statement: 'DROP INDEX',
    lock: AE,
    effect: 'none',
    example: 'DROP INDEX users_n',
    target: 'users',
    note: "on the index's table",
  },
  dropIndexConcurrently: {
    statement: 'DROP INDEX CONCURRENTLY',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'none',
    example: 'DROP INDEX CONCURRENTLY users_n',
    target: 'users',
    notInTransaction: true,
  },
  reindex: {
    statement: 'REINDEX',
    lock: 'SHARE',
    effect: 'scan',
    example: 'REINDEX TABLE users',
    target: 'users',
    note: 'the index itself is locked ACCESS EXCLUSIVE: queries that would use it wait',
  },
  reindexConcurrently: {
    statement: 'REINDEX … CONCURRENTLY',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'scan',
    example: 'REINDEX TABLE CONCURRENTLY users',
    target: 'users',
    notInTransaction: true,
  },
  createTable: {
    statement: 'CREATE TABLE (no foreign keys), CREATE SEQUENCE, CREATE FUNCTION, CREATE TYPE',
    lock: 'none',
    effect: 'none',
    example: 'CREATE TABLE t2 (id int)',
    target: 'users',
  },
  createTableReferences: {
    statement: 'CREATE TABLE … REFERENCES',
    lock: 'SHARE ROW EXCLUSIVE',
    effect: 'none',
    example: 'CREATE TABLE t2 (id int REFERENCES users (id))',
    target: 'users',
    note: 'on the referenced table',
  },
  createView: {
    statement: 'CREATE VIEW',
    lock: 'ACCESS SHARE',
    effect: 'none',
    example: 'CREATE VIEW v AS SELECT * FROM users',
    target: 'users',
    note: 'on the tables it reads',
  },
  dropTable: {
    statement: 'DROP TABLE',
    lock: AE,
    effect: 'none',
    example: 'DROP TABLE other CASCADE',
    target: 'other',
  },
  truncate: {
    statement: 'TRUNCATE',
    lock: AE,
    effect: 'rewrite',
    example: 'TRUNCATE users',
    target: 'users',
    note: 'the table gets a new, empty file',
  },
  cluster: {
    statement: 'CLUSTER, VACUUM FULL',
    lock: AE,
    effect: 'rewrite',
    example: 'CLUSTER users USING users_n',
    target: 'users',
  },
  vacuum: {
    statement: 'VACUUM (not FULL)',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'scan',
    example: 'VACUUM users',
    target: 'users',
    notInTransaction: true,
  },
  analyze: {
    statement: 'ANALYZE',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'scan',
    example: 'ANALYZE users',
    target: 'users',
    note: 'reads a sample of the rows',
  },
  createPolicy: {
    statement: 'CREATE / ALTER / DROP POLICY',
    lock: AE,
    effect: 'none',
    example: 'CREATE POLICY p ON users USING (true)',
    target: 'users',
  },
  comment: {
    statement: 'COMMENT ON TABLE / COLUMN',
    lock: 'SHARE UPDATE EXCLUSIVE',
    effect: 'none',
    example: "COMMENT ON TABLE users IS 'people'",
    target: 'users',
  },
  alterSequence: {
    statement: 'ALTER SEQUENCE',
    lock: 'SHARE ROW EXCLUSIVE',
    effect: 'none',
    example: 'ALTER SEQUENCE users_id_seq OWNED BY users.n',
    target: 'users_id_seq',
    note: 'on the sequence: nextval() (an INSERT that uses it) waits meanwhile; AS, INCREMENT, RESTART write a new one-page sequence file',
  },
  update: {
    statement: 'UPDATE, DELETE',
    lock: 'ROW EXCLUSIVE',
    effect: 'scan',
    example: 'UPDATE users SET n = 1',
    target: 'users',
    note: 'row locks on every row it changes, until commit: a bulk one belongs in a backfill',
  },
  insert: {
    statement: 'INSERT',
    lock: 'ROW EXCLUSIVE',
    effect: 'none',
    example: "INSERT INTO users (username) VALUES ('b')",
    target: 'users',
  },
  select: {
    statement: 'SELECT',
    lock: 'ACCESS SHARE',
    effect: 'scan',
    example: 'SELECT count(*) FROM users',
    target: 'users',
  },
  refreshMaterializedView: {
    statement: 'REFRESH MATERIALIZED VIEW',
    lock: AE,
    effect: 'rewrite',
    example: 'REFRESH MATERIALIZED VIEW users_view',
    target: 'users_view',
    note: 'CONCURRENTLY takes EXCLUSIVE (reads go on)',
  },
} as const satisfies Record<string, LockLevel>;

export type LockLevelId = keyof typeof LOCK_LEVELS;

/** The stronger of two locks (`none` weakest). */
export function strongerLock(a: LockMode | 'none', b: LockMode | 'none'): LockMode | 'none' {
  const rank = (lock: LockMode | 'none') => (lock === 'none' ? -1 : LOCK_MODES.indexOf(lock));
  return rank(b) > rank(a) ? b : a;
}

/** The heavier of two effects (rewrite > scan > none). */
export function heavierEffect(a: TableEffect, b: TableEffect): TableEffect {
  const rank = { none: 0, scan: 1, rewrite: 2 };
  return rank[b] > rank[a] ? b : a;
}
