import { z } from 'zod';
import { WorkflowInputSchema } from './input.ts';

// What each field means, for a person pasting the input into the console (the schema's descriptions)
const DESCRIPTIONS: Record<string, string> = {
  release:
    'The release (application version) these migrations ship with; names the lease and the gates, e.g. "v42".',
  phases: 'Phases to run, in workflow order whatever order they are given in.',
  gates: 'Deploy gates: wait for `zerodown gate approve` after expand and/or before contract.',
  onGateReject: 'What a rejected or timed-out gate does to what expand applied: keep it, or roll it back.',
  ifLocked: 'When another execution holds the migration lock: fail, or end as succeeded and skipped.',
  dryRun: 'Plan and lint only: log the SQL that would run, apply nothing, take no lock.',
  contract: 'Contract migrations named by hand (versions, ids or file names) for a contract-only execution.',
  allowLintErrors:
    'The reason a person takes responsibility for lint errors in the pending migrations (recorded).',
  outOfOrder: 'Apply an expand migration older than the newest applied one (a branch merged late).',
  versionedSchema:
    'Give the release a versioned schema of views, zd_<release> (PostgreSQL 15+, docs/versioned-schemas.md); unset: versionedSchema of zerodown.config.json, else false.',
};

/**
 * The workflow input as a JSON Schema (draft 2020-12), generated from `WorkflowInputSchema`: what
 * schemas/workflow-input.schema.json holds (test/unit/pipeline-files.test.ts keeps it equal).
 *
 * @example
 * writeFileSync('schemas/workflow-input.schema.json', `${JSON.stringify(workflowInputJsonSchema(), null, 2)}\n`);
 */
export function workflowInputJsonSchema(): Record<string, unknown> {
  const { $schema, properties, ...rest } = z.toJSONSchema(WorkflowInputSchema, { io: 'input' }) as {
    $schema: string;
    properties: Record<string, Record<string, unknown>>;
  };
  return {
    $schema,
    title: 'zerodown workflow input',
    description:
      'The input of the zerodown migration state machine: paste it into Start execution in the Step Functions console; `zerodown start` sends the same. Every field but release has a default.',
    ...rest,
    properties: Object.fromEntries(
      Object.entries(properties).map(([name, schema]) => [
        name,
        { description: DESCRIPTIONS[name], ...schema },
      ]),
    ),
  };
}
