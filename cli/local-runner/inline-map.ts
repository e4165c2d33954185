import type { AslDefinition } from './definition.ts';
import type { FidelityProblem } from './guard.ts';

/** What {@link toInlineMaps} did. */
export interface InlineMapTransformation {
  readonly definition: AslDefinition;
  /** Paths of the Map states that were Distributed and now run inline. */
  readonly transformed: readonly string[];
  /** Distributed Maps it left alone, and why (the guard then refuses the definition). */
  readonly refused: readonly FidelityProblem[];
}

// biome-ignore lint/suspicious/noExplicitAny: ASL states are open-ended JSON
type State = Record<string, any>;

/** Fields that change what a Distributed Map reads, writes or tolerates: no inline equivalent. */
const BLOCKING_FIELDS = ['ItemReader', 'ResultWriter', 'ItemBatcher'];
const TOLERANCE_FIELDS = [
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
];

function mentionsExecution(value: unknown): boolean {
  return JSON.stringify(value).includes('$$.Execution');
}

function transformStates(
  states: Record<string, State>,
  prefix: string,
  transformed: string[],
  refused: FidelityProblem[],
): Record<string, State> {
  const result: Record<string, State> = {};
  for (const [name, original] of Object.entries(states)) {
    const path = prefix ? `${prefix} > ${name}` : name;
    let state = original;
    if (state.Type === 'Map') {
      const processorKey = state.ItemProcessor ? 'ItemProcessor' : 'Iterator';
      const processor = state[processorKey];
      const innerStates = processor
        ? transformStates(processor.States, path, transformed, refused)
        : undefined;
      state = processor ? { ...state, [processorKey]: { ...processor, States: innerStates } } : state;
      if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
        const blocking = BLOCKING_FIELDS.filter((field) => state[field] !== undefined);
        const tolerating = TOLERANCE_FIELDS.filter(
          (field) => state[field] !== undefined && state[field] !== 0,
        );
        if (blocking.length > 0 || tolerating.length > 0) {
          refused.push({
            path,
            problem: `Distributed Map with ${[...blocking, ...tolerating].join(', ')} cannot run as an inline Map`,
          });
        } else if (mentionsExecution(processor.States)) {
          // in AWS each item runs as a child execution with its own $$.Execution; inline it would be the parent's
          refused.push({
            path,
            problem:
              'its item processor reads $$.Execution, which is the child execution in AWS but the parent inline; pass the parent execution id through ItemSelector instead',
          });
        } else {
          const { ExecutionType: _type, ...config } = processor.ProcessorConfig;
          const { Label: _label, ...rest } = state;
          for (const field of TOLERANCE_FIELDS) delete rest[field];
          state = {
            ...rest,
            [processorKey]: { ...state[processorKey], ProcessorConfig: { ...config, Mode: 'INLINE' } },
          };
          transformed.push(path);
        }
      }
    }
    if (state.Type === 'Parallel') {
      state = {
        ...state,
        Branches: state.Branches.map((branch: State, index: number) => ({
          ...branch,
          States: transformStates(branch.States, `${path}[${index}]`, transformed, refused),
        })),
      };
    }
    result[name] = state;
  }
  return result;
}

/**
 * The one transformation the local runner applies to a definition: a Distributed Map whose items come
 * from the state input (ItemsPath, no ItemReader), whose results are returned (no ResultWriter), not
 * batched and tolerating no failure, runs as an inline Map with the same ItemSelector, MaxConcurrency,
 * Retry, Catch and result handling. What differs, and is fine for zerodown: in AWS each item is a child
 * execution with its own event history (that is why it is used: the 25,000-event limit); locally all
 * events are in one run. Distributed Maps that read or write S3, batch, tolerate failures or read
 * `$$.Execution` in their items are left as they are, listed in `refused`, and the guard refuses them.
 *
 * @example
 * const { definition, transformed } = toInlineMaps(machine.definition);
 */
export function toInlineMaps(definition: AslDefinition): InlineMapTransformation {
  const transformed: string[] = [];
  const refused: FidelityProblem[] = [];
  const States = transformStates(definition.States, '', transformed, refused);
  return { definition: { ...definition, States }, transformed, refused };
}
