import type { AslDefinition } from './definition.ts';
import type { FidelityProblem } from './errors.ts';

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

/**
 * The Task resource of the state that checks a failure budget locally (handlers.ts runs it in process:
 * it counts the items that failed and fails with States.ExceedToleratedFailureThreshold above it).
 */
export const LOCAL_FAILURE_BUDGET =
  'arn:aws:states:local:000000000000:activity:zerodown-local-failure-budget';

/** The marker an item's output carries when the item failed (tolerating Maps only). */
export const FAILED_ITEM_MARKER = 'zerodownLocalItemFailed';

/** The budget fields of a Map as the budget state's Parameters: `percentage`, `count`, or their paths. */
function budgetParameters(state: State): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  if (state.ToleratedFailurePercentage !== undefined)
    parameters.percentage = state.ToleratedFailurePercentage;
  if (state.ToleratedFailurePercentagePath !== undefined) {
    parameters['percentage.$'] = state.ToleratedFailurePercentagePath;
  }
  if (state.ToleratedFailureCount !== undefined) parameters.count = state.ToleratedFailureCount;
  if (state.ToleratedFailureCountPath !== undefined) parameters['count.$'] = state.ToleratedFailureCountPath;
  return parameters;
}

/**
 * A Distributed Map with a failure budget, run inline: a Parallel around (1) the inline Map, whose
 * every item is a Parallel that catches the item's failure into a marked result, and (2) the budget
 * state, which fails the way Step Functions fails the Map run when too many items failed. The Map's
 * results are discarded (`ResultPath: null`, the only shape accepted), so the Parallel's output is its
 * input, as the Map's would be. What differs from AWS: every item runs before the budget is checked,
 * where a Map run stops starting items once the budget is spent.
 */
function tolerantInlineMap(name: string, state: State, processor: State, config: State): State {
  const { Label: _label, Next, End, Catch, Retry, Comment, ResultPath: _resultPath, ...map } = state;
  for (const field of TOLERANCE_FIELDS) delete map[field];
  const item = `${name} item`;
  const itemFailed = `${name} item failed`;
  const budget = `${name} failure budget`;
  const items = `${name} items`;
  const inlineMap = {
    ...map,
    ItemProcessor: {
      ProcessorConfig: { ...config, Mode: 'INLINE' },
      StartAt: item,
      States: {
        [item]: {
          Type: 'Parallel',
          Branches: [{ StartAt: processor.StartAt, States: processor.States }],
          // not ResultPath '$': aws-local-stepfunctions writes that to a field named "$"
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.zerodownLocalFailure', Next: itemFailed }],
          End: true,
        },
        [itemFailed]: {
          Type: 'Pass',
          Parameters: { [FAILED_ITEM_MARKER]: true, 'failure.$': '$.zerodownLocalFailure' },
          End: true,
        },
      },
    },
    ResultPath: '$.zerodownLocalResults',
    Next: budget,
  };
  return {
    Type: 'Parallel',
    ...(Comment ? { Comment } : {}),
    Branches: [
      {
        StartAt: items,
        States: {
          [items]: inlineMap,
          [budget]: {
            Type: 'Task',
            Resource: LOCAL_FAILURE_BUDGET,
            Parameters: { 'results.$': '$.zerodownLocalResults', ...budgetParameters(state) },
            ResultPath: null,
            End: true,
          },
        },
      },
    ],
    ResultPath: null,
    ...(Retry ? { Retry } : {}),
    ...(Catch ? { Catch } : {}),
    ...(Next ? { Next } : {}),
    ...(End ? { End } : {}),
  };
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
        if (blocking.length > 0 || (tolerating.length > 0 && state.ResultPath !== null)) {
          refused.push({
            path,
            problem:
              blocking.length > 0
                ? `Distributed Map with ${blocking.join(', ')} cannot run as an inline Map`
                : `Distributed Map with ${tolerating.join(', ')} runs inline only with ResultPath null (its results discarded)`,
          });
        } else if (mentionsExecution(processor.States)) {
          // in AWS each item runs as a child execution with its own $$.Execution; inline it would be the parent's
          refused.push({
            path,
            problem:
              'its item processor reads $$.Execution, which is the child execution in AWS but the parent inline; pass the parent execution id through ItemSelector instead',
          });
        } else if (tolerating.length > 0) {
          const { ExecutionType: _type, ...config } = processor.ProcessorConfig;
          state = tolerantInlineMap(name, state, state[processorKey], config);
          transformed.push(path);
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
 * from the state input (ItemsPath, no ItemReader), whose results are returned (no ResultWriter) and not
 * batched runs as an inline Map with the same ItemSelector, MaxConcurrency, Retry, Catch and result
 * handling; one with a failure budget (ToleratedFailurePercentage/Count, or their paths) and its
 * results discarded runs inline with the budget checked after its items (see `tolerantInlineMap`). What differs, and is fine for zerodown: in AWS each item is a child
 * execution with its own event history (that is why it is used: the 25,000-event limit); locally all
 * events are in one run. Distributed Maps that read or write S3, batch, or read
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
