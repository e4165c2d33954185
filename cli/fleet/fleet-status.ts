import { openConnection } from '../../core/db/connection.ts';
import { formatDuration } from '../../core/duration.ts';
import { readTargetStatus, type TargetStatus } from '../../core/fleet/status.ts';
import type { FleetTarget } from '../../lambdas/fleet-events.ts';

/** One target's line of `zerodown fleet status`. */
export interface FleetTargetLine extends TargetStatus {
  readonly name: string;
  /** Set when the target could not be read (the message only, never its URL). */
  readonly unreachable?: string;
}

/** How many targets are read at once. */
const READ_CONCURRENCY = 8;

async function readOne(target: FleetTarget, connect: ConnectTarget): Promise<FleetTargetLine> {
  try {
    const client = await openConnection({
      ...(await connect(target)),
      applicationName: 'zerodown-fleet-status',
    });
    try {
      return { name: target.name, ...(await readTargetStatus(client)) };
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (error) {
    return {
      name: target.name,
      version: null,
      phase: null,
      rollout: null,
      gate: null,
      unreachable: (error as Error).message,
    };
  }
}

/** How the status reaches a target: its URL, or (deployed fleets) its secret. */
export type ConnectTarget = (target: FleetTarget) => Promise<{ connection: string | object }>;

/**
 * Reads every target's status, a few at once, in the fleet's order; an unreachable target is listed
 * as such, not an error for the whole fleet.
 *
 * @example
 * const lines = await readFleetStatus(targets, async (t) => ({ connection: t.databaseUrl! }));
 */
export async function readFleetStatus(
  targets: readonly FleetTarget[],
  connect: ConnectTarget,
): Promise<FleetTargetLine[]> {
  const lines: FleetTargetLine[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < targets.length; i = next++) lines[i] = await readOne(targets[i]!, connect);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, targets.length) }, worker));
  return lines;
}

function cells(line: FleetTargetLine): string[] {
  const rollout = line.rollout;
  return [
    line.name,
    line.version ? `${line.version} ${line.phase}` : '-',
    line.unreachable ? 'unreachable' : (rollout?.status ?? 'never rolled out'),
    rollout?.release ?? '-',
    line.gate ?? '-',
    rollout ? formatDuration(rollout.ms) : '-',
    line.unreachable ?? (rollout?.error ? `${rollout.error}: ${firstLine(rollout.cause)}` : ''),
  ];
}

function firstLine(cause: string | undefined): string {
  if (!cause) return '';
  let text = cause;
  try {
    // a Lambda error's cause is its JSON error document
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) text = parsed.errorMessage;
  } catch {
    // plain text
  }
  return text.split('\n')[0]!.slice(0, 200);
}

const HEADERS = ['TARGET', 'VERSION', 'STATUS', 'RELEASE', 'GATE', 'TOOK', 'ERROR'];

/**
 * The fleet status as text (aligned columns), or markdown (a table for a pull request or status page),
 * with a summary line of how many targets are in each status.
 *
 * @example
 * process.stdout.write(formatFleetStatus(lines, 'markdown'));
 */
export function formatFleetStatus(lines: readonly FleetTargetLine[], format: 'text' | 'markdown'): string {
  const rows = lines.map(cells);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row[2]!, (counts.get(row[2]!) ?? 0) + 1);
  const summary = `${lines.length} targets: ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}`;
  if (format === 'markdown') {
    const cellText = (cell: string) => cell.replace(/\|/g, '\\|');
    return [
      `| ${HEADERS.join(' | ')} |`,
      `|${HEADERS.map(() => ' --- ').join('|')}|`,
      ...rows.map((row) => `| ${row.map(cellText).join(' | ')} |`),
      '',
      summary,
      '',
    ].join('\n');
  }
  const widths = HEADERS.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(HEADERS), ...rows.map(line), '', summary, ''].join('\n');
}
