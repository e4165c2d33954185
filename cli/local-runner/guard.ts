import type { AslDefinition, TemplateFunction } from './definition.ts';
import { type FidelityProblem, UnfaithfulDefinition } from './errors.ts';
import { LOCAL_FAILURE_BUDGET } from './inline-map.ts';

export type { FidelityProblem } from './errors.ts';

/** Task resources the local runner executes in process. */
export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_INVOKE_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** Context object paths the local runner supplies (see execute-state-machine.ts); anything else would read undefined. */
const SUPPORTED_CONTEXT_PATHS = [
  /^\$\$\.Execution(\.(Id|Name|Input|StartTime)(\..*)?)?$/,
  /^\$\$\.StateMachine(\.(Id|Name))?$/,
  /^\$\$\.Task\.Token$/,
  /^\$\$\.Map\.Item(\.(Index|Value)(\..*)?)?$/,
];

/** Map fields that only a Distributed Map has; the local runner has no S3 and no child executions. */
const DISTRIBUTED_ONLY_FIELDS = [
  'ItemReader',
  'ResultWriter',
  'ItemBatcher',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
];

/** Fields of the JSONata query language and of workflow variables, which the local runner does not evaluate. */
const JSONATA_OR_VARIABLE_FIELDS = ['Arguments', 'Output', 'Assign', 'Items', 'Variables'];

// biome-ignore lint/suspicious/noExplicitAny: ASL states are open-ended JSON
type State = Record<string, any>;

function contextPaths(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const match of value.matchAll(/\$\$\.[A-Za-z0-9_.[\]]+/g)) found.push(match[0]);
  } else if (Array.isArray(value)) {
    for (const item of value) contextPaths(item, found);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) contextPaths(item, found);
  }
  return found;
}

function checkTask(
  state: State,
  path: string,
  functions: ReadonlyMap<string, TemplateFunction>,
): FidelityProblem[] {
  const resource = String(state.Resource);
  if (resource === LOCAL_FAILURE_BUDGET) return []; // toInlineMaps wrote it; handlers.ts runs it
  if (resource === LAMBDA_INVOKE || resource === LAMBDA_INVOKE_CALLBACK) {
    const name = state.Parameters?.FunctionName;
    if (typeof name !== 'string') {
      return [{ path, problem: 'Parameters.FunctionName must be a literal function ARN (not a path)' }];
    }
    const fn = functions.get(name);
    if (!fn) return [{ path, problem: `FunctionName ${name} is not a function of the template` }];
    if (!fn.task)
      return [{ path, problem: `function ${fn.logicalId} has no ZERODOWN_TASK environment variable` }];
    return [];
  }
  if (resource.startsWith('arn:aws:lambda:')) {
    const fn = functions.get(resource.replace(/:\$LATEST$/, ''));
    if (!fn?.task)
      return [{ path, problem: `Resource ${resource} is not a zerodown task function of the template` }];
    return [];
  }
  return [
    {
      path,
      problem: `Resource ${resource} is not a Lambda invocation (lambda:invoke or lambda:invoke.waitForTaskToken)`,
    },
  ];
}

function checkMap(state: State, path: string): FidelityProblem[] {
  const problems: FidelityProblem[] = [];
  for (const field of DISTRIBUTED_ONLY_FIELDS) {
    if (state[field] !== undefined && !(field.startsWith('ToleratedFailure') && state[field] === 0)) {
      problems.push({ path, problem: `Map field ${field} (Distributed Map) has no local equivalent` });
    }
  }
  if (state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
    problems.push({
      path,
      problem:
        'a Distributed Map runs locally only after toInlineMaps() (cli/local-runner/inline-map.ts) made it inline',
    });
  }
  return problems;
}

function checkStates(
  definition: { StartAt: string; States: Record<string, State>; QueryLanguage?: string },
  prefix: string,
  functions: ReadonlyMap<string, TemplateFunction>,
): FidelityProblem[] {
  const problems: FidelityProblem[] = [];
  if (definition.QueryLanguage && definition.QueryLanguage !== 'JSONPath') {
    problems.push({
      path: prefix || '(top)',
      problem: `QueryLanguage ${definition.QueryLanguage} is not run locally`,
    });
  }
  for (const [name, state] of Object.entries(definition.States)) {
    const path = prefix ? `${prefix} > ${name}` : name;
    if (state.QueryLanguage && state.QueryLanguage !== 'JSONPath') {
      problems.push({ path, problem: `QueryLanguage ${state.QueryLanguage} is not run locally` });
    }
    for (const field of JSONATA_OR_VARIABLE_FIELDS) {
      if (state[field] !== undefined) {
        problems.push({ path, problem: `field ${field} (JSONata or workflow variables) is not run locally` });
      }
    }
    for (const contextPath of contextPaths(state)) {
      if (!SUPPORTED_CONTEXT_PATHS.some((pattern) => pattern.test(contextPath))) {
        problems.push({ path, problem: `context object path ${contextPath} is not supplied locally` });
      }
    }
    if (state.Type === 'Task') problems.push(...checkTask(state, path, functions));
    if (state.Type === 'Map') {
      problems.push(...checkMap(state, path));
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) problems.push(...checkStates(processor, path, functions));
    }
    if (state.Type === 'Parallel') {
      for (const [index, branch] of (state.Branches ?? []).entries()) {
        problems.push(...checkStates(branch, `${path}[${index}]`, functions));
      }
    }
  }
  return problems;
}

/**
 * Lists what in a definition the local runner would not execute the way Step Functions does: JSONata,
 * workflow variables, Distributed Map readers, writers and batchers (and any Distributed Map not yet
 * transformed), context object paths it does not supply, and Task states that are not Lambda
 * invocations of a template function carrying `ZERODOWN_TASK`.
 *
 * @example
 * const problems = fidelityProblems(toInlineMaps(machine.definition).definition, machine.functions);
 * if (problems.length > 0) throw new UnfaithfulDefinition(problems);
 */
export function fidelityProblems(
  definition: AslDefinition,
  functions: ReadonlyMap<string, TemplateFunction>,
): FidelityProblem[] {
  return checkStates(definition, '', functions);
}

/** Throws {@link UnfaithfulDefinition} listing every problem {@link fidelityProblems} finds. */
export function assertRunsFaithfully(
  definition: AslDefinition,
  functions: ReadonlyMap<string, TemplateFunction>,
): void {
  const problems = fidelityProblems(definition, functions);
  if (problems.length > 0) throw new UnfaithfulDefinition(problems);
}
