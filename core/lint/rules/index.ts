import type { LintRule } from '../types.ts';
import { addingConstrainedDomainColumn } from './adding-constrained-domain-column.ts';
import { addingExclusionConstraint } from './adding-exclusion-constraint.ts';
import { addingRequiredColumn } from './adding-required-column.ts';
import { addingUniqueConstraint } from './adding-unique-constraint.ts';
import { addingVolatileDefault } from './adding-volatile-default.ts';
import { beginWithoutCommit } from './begin-without-commit.ts';
import { bodyNotChecked } from './body-not-checked.ts';
import { bulkUpdateInSchemaMigration } from './bulk-update-in-schema-migration.ts';
import { changingColumnType } from './changing-column-type.ts';
import { cluster } from './cluster.ts';
import { concurrentlyInTransaction } from './concurrently-in-transaction.ts';
import { concurrentlyWithOtherStatements } from './concurrently-with-other-statements.ts';
import { constraintMissingNotValid } from './constraint-missing-not-valid.ts';
import { creatingDomainWithCheck } from './creating-domain-with-check.ts';
import { detachingPartition } from './detaching-partition.ts';
import { domainConstraintNotValid } from './domain-constraint-not-valid.ts';
import { droppingColumn } from './dropping-column.ts';
import { droppingDatabase } from './dropping-database.ts';
import { droppingNotNull } from './dropping-not-null.ts';
import { droppingSchema } from './dropping-schema.ts';
import { droppingTable } from './dropping-table.ts';
import { enumValueOrdering } from './enum-value-ordering.ts';
import { identifierTooLong } from './identifier-too-long.ts';
import { lockTable } from './lock-table.ts';
import { overridingLockTimeout } from './overriding-lock-timeout.ts';
import { preferBigint } from './prefer-bigint.ts';
import { preferIdentity } from './prefer-identity.ts';
import { preferJsonb } from './prefer-jsonb.ts';
import { preferRobustIndexCreation } from './prefer-robust-index-creation.ts';
import { preferTextField } from './prefer-text-field.ts';
import { preferTextOverChar } from './prefer-text-over-char.ts';
import { preferTimestamptz } from './prefer-timestamptz.ts';
import { recreatingDroppedTable } from './recreating-dropped-table.ts';
import { refreshingMaterializedView } from './refreshing-materialized-view.ts';
import { rejectedByPostgres } from './rejected-by-postgres.ts';
import { renamingColumn } from './renaming-column.ts';
import { renamingObject } from './renaming-object.ts';
import { renamingTable } from './renaming-table.ts';
import { requireConcurrentIndexCreation } from './require-concurrent-index-creation.ts';
import { requireConcurrentIndexDeletion } from './require-concurrent-index-deletion.ts';
import { requireConcurrentReindex } from './require-concurrent-reindex.ts';
import { settingLoggedUnlogged } from './setting-logged-unlogged.ts';
import { settingNotNull } from './setting-not-null.ts';
import { transactionNesting } from './transaction-nesting.ts';
import { truncatingTable } from './truncating-table.ts';
import { vacuumFull } from './vacuum-full.ts';
import { validateConstraintSameTransaction } from './validate-constraint-same-transaction.ts';

/** Every rule, errors (what breaks or blocks) first, then advice. Order is the rule reference's order. */
export const LINT_RULES: readonly LintRule[] = [
  addingRequiredColumn,
  addingVolatileDefault,
  addingConstrainedDomainColumn,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  requireConcurrentReindex,
  concurrentlyInTransaction,
  changingColumnType,
  settingNotNull,
  constraintMissingNotValid,
  validateConstraintSameTransaction,
  domainConstraintNotValid,
  addingUniqueConstraint,
  addingExclusionConstraint,
  detachingPartition,
  refreshingMaterializedView,
  renamingColumn,
  renamingTable,
  renamingObject,
  droppingColumn,
  droppingTable,
  droppingSchema,
  recreatingDroppedTable,
  droppingNotNull,
  truncatingTable,
  vacuumFull,
  cluster,
  lockTable,
  settingLoggedUnlogged,
  bulkUpdateInSchemaMigration,
  droppingDatabase,
  rejectedByPostgres,
  overridingLockTimeout,
  preferJsonb,
  concurrentlyWithOtherStatements,
  preferRobustIndexCreation,
  creatingDomainWithCheck,
  preferBigint,
  preferTextField,
  preferTimestamptz,
  preferIdentity,
  identifierTooLong,
  preferTextOverChar,
  enumValueOrdering,
  beginWithoutCommit,
  transactionNesting,
  bodyNotChecked,
];
