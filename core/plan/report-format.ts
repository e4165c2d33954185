import type { LintFinding } from '../lint/types.ts';
import { PHASES, type Phase } from '../migrations/types.ts';
import { blocks } from './lock-levels.ts';
import type { PlannedMigration, PlanReport, TouchedTable } from './report.ts';

/** The formats of `zerodown plan`. */
export const PLAN_FORMATS = ['text', 'json', 'markdown'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

const GATE_TEXT = {
  afterExpand: 'the workflow waits after expand, before the backfills',
  beforeContract:
    'the workflow waits before contract: deploy the new application version, then `zerodown gate approve`',
} as const;

function bytesText(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function durationText(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.ceil(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const EFFECT_TEXT = { rewrite: 'rewrites the table', scan: 'scans the table', none: '' } as const;

function backfillText(m: PlannedMigration): string {
  const b = m.backfill!;
  return [
    `backfill of ${b.table} in batches${b.batchSize ? ` of ${b.batchSize}` : ''} (ROW EXCLUSIVE, row locks per batch)`,
    b.sync ? 'sync trigger (CREATE TRIGGER: SHARE ROW EXCLUSIVE)' : '',
    b.estimatedSeconds !== undefined ? `about ${durationText(b.estimatedSeconds)}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

function sourceText(report: PlanReport): string {
  return report.source === 'files'
    ? 'From the files alone (no database): every migration counts as pending.'
    : `From the database: ${report.applied} migration(s) applied; sizes and row estimates as PostgreSQL has them; backfill rate ${report.backfillRate!.rowsPerSecond} rows/s (${report.backfillRate!.source}).`;
}

function gateAfter(report: PlanReport, phase: Phase) {
  return report.gates.filter((g) => g.after === phase);
}

function findingsSummary(findings: readonly LintFinding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return `${errors} error(s), ${findings.length - errors} warning(s)`;
}

/** The plan as text for a terminal. */
function planText(report: PlanReport): string {
  const out = [`zerodown plan${report.release ? ` for release ${report.release}` : ''}`, sourceText(report)];
  for (const phase of PHASES) {
    const migrations = report.phases[phase];
    out.push('', `${phase}: ${migrations.length === 0 ? 'nothing pending' : `${migrations.length} pending`}`);
    for (const m of migrations) {
      out.push(`  ${m.file}${m.transaction ? '' : ' (outside a transaction)'}`);
      if (m.backfill) out.push(`    ${backfillText(m)}`);
      for (const s of m.statements) {
        const effect = EFFECT_TEXT[s.effect];
        out.push(`    line ${s.line}: ${s.lock}${effect ? `, ${effect}` : ''}: ${s.sql}`);
      }
    }
    for (const g of gateAfter(report, phase)) out.push('', `gate ${g.gate}: ${GATE_TEXT[g.gate]}`);
  }
  if (report.tables.length > 0) {
    out.push('', 'tables:');
    for (const t of report.tables) out.push(`  ${tableText(t)}`);
  }
  out.push('', `lint: ${findingsSummary(report.findings)}`);
  for (const f of report.findings) {
    out.push(`  ${f.file}:${f.line}: ${f.severity} ${f.rule}: ${f.message}`, `    hint: ${f.hint}`);
  }
  return out.join('\n');
}

function tableText(t: TouchedTable): string {
  if (!t.exists) return `${t.name}: does not exist yet`;
  const rows = t.rowEstimate === undefined ? 'rows unknown (never analyzed)' : `~${t.rowEstimate} rows`;
  return `${t.name}: ${bytesText(t.totalBytes!)}, ${rows}`;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (text: string) => `\`${text.replaceAll('`', "'")}\``;

/** The plan as one pull-request comment (GitHub-flavoured markdown). */
function planMarkdown(report: PlanReport): string {
  const failed = report.lintFailed;
  const out = [
    `### zerodown plan${report.release ? ` for release ${code(report.release)}` : ''}`,
    '',
    `${failed ? ':x: lint errors: `zerodown up` and the workflow would stop.' : ':white_check_mark: no lint errors.'} ${sourceText(report)}`,
  ];
  for (const phase of PHASES) {
    const migrations = report.phases[phase];
    out.push(
      '',
      `#### ${phase} (${migrations.length === 0 ? 'nothing pending' : `${migrations.length} pending`})`,
    );
    if (migrations.length > 0) {
      out.push(
        '',
        '| file | line | statement | lock | blocks | rewrite / scan |',
        '|---|---|---|---|---|---|',
      );
      for (const m of migrations) {
        const file = code(m.file) + (m.transaction ? '' : ' (no transaction)');
        if (m.backfill)
          out.push(
            `| ${file} | | ${cell(backfillText(m))} | ROW EXCLUSIVE | ${blocks('ROW EXCLUSIVE')} | scan |`,
          );
        for (const s of m.statements) {
          out.push(
            `| ${file} | ${s.line} | ${code(cell(s.sql))} | ${s.lock} | ${blocks(s.lock)} | ${s.effect === 'none' ? '' : s.effect} |`,
          );
        }
      }
    }
    for (const g of gateAfter(report, phase))
      out.push('', `:vertical_traffic_light: **gate ${g.gate}**: ${GATE_TEXT[g.gate]}`);
  }
  if (report.tables.length > 0) {
    out.push('', '#### tables', '', '| table | size | rows (estimate) |', '|---|---|---|');
    for (const t of report.tables) {
      out.push(
        `| ${code(t.name)} | ${t.exists ? bytesText(t.totalBytes!) : 'does not exist yet'} | ${t.rowEstimate ?? (t.exists ? 'unknown (never analyzed)' : '')} |`,
      );
    }
  }
  out.push('', `#### lint: ${findingsSummary(report.findings)}`);
  if (report.findings.length > 0) out.push('');
  for (const f of report.findings) {
    out.push(
      `- ${code(`${f.file}:${f.line}`)} **${f.severity}** ${code(f.rule)}: ${cell(f.message)}. Hint: ${code(cell(f.hint))}`,
    );
  }
  return out.join('\n');
}

/**
 * Formats a plan: `text` for a terminal, `json` one document, `markdown` one pull-request comment.
 *
 * @example
 * process.stdout.write(`${formatPlan(report, 'markdown')}\n`);
 */
export function formatPlan(report: PlanReport, format: PlanFormat): string {
  if (format === 'json') return JSON.stringify({ ok: !report.lintFailed, ...report }, null, 2);
  return format === 'markdown' ? planMarkdown(report) : planText(report);
}
