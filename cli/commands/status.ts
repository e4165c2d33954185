import { type Command, Option } from 'commander';
import { loadMigrations } from '../../core/migrations/load.ts';
import { readStatus } from '../../core/state/status.ts';
import { type CommonOptions, requireDatabaseUrl, withCommonOptions } from '../options.ts';
import { withConnection } from '../session.ts';

/** `zerodown status`: every migration's state, the lock holder, the last rollback stop. */
export function registerStatus(program: Command): void {
  withCommonOptions(
    program
      .command('status')
      .description('show which migrations are applied, pending, drifted or missing, and who holds the lock')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text')),
    { dryRun: false },
  ).action(async (options: CommonOptions & { format: 'text' | 'json' }) => {
    requireDatabaseUrl(options); // a usage error (exit 2) before anything else
    const migrations = await loadMigrations(options.migrations);
    const status = await withConnection(options, (client) => readStatus(client, migrations));
    if (options.format === 'json') {
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return;
    }
    const width = Math.max(4, ...status.migrations.map((m) => m.file.length));
    const out = [`${'FILE'.padEnd(width)}  ${'PHASE'.padEnd(8)}  ${'STATE'.padEnd(8)}  APPLIED`];
    for (const m of status.migrations) {
      const state = m.partialStatements
        ? `partial (${m.partialStatements} statements)`
        : m.backfill && m.state === 'pending'
          ? `running (${m.backfill.rowsDone}${m.backfill.rowsEstimated ? `/~${m.backfill.rowsEstimated}` : ''} rows, ${m.backfill.partitionsDone}/${m.backfill.partitions} partitions done)`
          : m.state;
      out.push(`${m.file.padEnd(width)}  ${m.phase.padEnd(8)}  ${state.padEnd(8)}  ${m.appliedAt ?? ''}`);
    }
    const counts = ['applied', 'pending', 'drifted', 'missing']
      .map((s) => `${status.migrations.filter((m) => m.state === s).length} ${s}`)
      .join(', ');
    out.push('', counts);
    out.push(
      status.lock ? `lock: held by ${status.lock.owner} since ${status.lock.acquiredAt}` : 'lock: free',
    );
    for (const gate of status.openGates) {
      out.push(
        `gate: release ${gate.release} waits at ${gate.gate} since ${gate.openedAt}${gate.heartbeatAt ? ` (last heartbeat ${gate.heartbeatAt})` : ''}; "zerodown gate approve --release ${gate.release}"`,
      );
    }
    if (status.lastRollbackStop) {
      out.push(`last rollback stopped at ${status.lastRollbackStop.file}: ${status.lastRollbackStop.reason}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  });
}
