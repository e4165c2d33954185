import { InvalidInput } from '../../core/errors.ts';

/** An Amazon States Language document (JSONPath), as the local runner reads it. */
// biome-ignore lint/suspicious/noExplicitAny: ASL is open-ended JSON
export type AslDefinition = { StartAt: string; States: Record<string, any>; [field: string]: unknown };

/** A Lambda function of the synthesized template, as the local runner needs it. */
export interface TemplateFunction {
  readonly logicalId: string;
  /** The ARN the definition refers to it by (built from the logical id; nothing is deployed). */
  readonly arn: string;
  /** `ZERODOWN_TASK` from its environment: which in-process handler runs it. */
  readonly task: string | undefined;
  /** Its configured timeout; Step Functions cannot wait on it longer than this. */
  readonly timeoutSeconds: number | undefined;
  readonly environment: Readonly<Record<string, string>>;
}

/** The state machine of a template, with every Lambda ARN resolved to a local name. */
export interface ExtractedStateMachine {
  readonly logicalId: string;
  readonly definition: AslDefinition;
  /** Functions by the ARN the definition uses. */
  readonly functions: ReadonlyMap<string, TemplateFunction>;
}

/** The account and region the local ARNs carry: visibly not a real account. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template
type Template = { Resources?: Record<string, { Type: string; Properties?: any }> };

/** The local ARN of a Lambda function of the template. */
export function localFunctionArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'local',
};

/**
 * Resolves the intrinsic functions CDK writes into a state machine definition (Fn::Join, Fn::GetAtt,
 * Ref, Fn::Sub without variables maps) to local placeholder values. A Lambda's `Arn` becomes
 * {@link localFunctionArn}; any other resource's attribute becomes a readable placeholder, since no
 * local task calls it.
 */
function resolveIntrinsics(value: Json, template: Template, where: string): Json {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, template, where));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0]!.startsWith('Fn::') || keys[0] === 'Ref')) {
    const key = keys[0]!;
    const argument = value[key]!;
    const resolved = resolveIntrinsic(key, argument, template, where);
    return resolved;
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, resolveIntrinsics(item, template, where)]),
  );
}

function resolveIntrinsic(key: string, argument: Json, template: Template, where: string): string {
  const text = (item: Json) => {
    const resolved = resolveIntrinsics(item, template, where);
    if (typeof resolved !== 'string') throw unsupported(`${key} over a non-string`, where);
    return resolved;
  };
  switch (key) {
    case 'Fn::Join': {
      const [separator, parts] = argument as [string, Json[]];
      return parts.map(text).join(separator);
    }
    case 'Ref':
      return refValue(argument as string, template);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] =
        typeof argument === 'string'
          ? (argument.split('.', 2) as [string, string])
          : (argument as [string, string]);
      return attributeValue(logicalId, attribute, template);
    }
    case 'Fn::Sub': {
      const pattern = Array.isArray(argument) ? (argument[0] as string) : (argument as string);
      const variables = Array.isArray(argument) ? (argument[1] as Record<string, Json>) : {};
      return pattern.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
        if (name in variables) return text(variables[name]!);
        if (name.includes('.')) {
          const [logicalId, attribute] = name.split('.', 2) as [string, string];
          return attributeValue(logicalId, attribute, template);
        }
        return refValue(name, template);
      });
    }
    default:
      throw unsupported(key, where);
  }
}

function refValue(name: string, template: Template): string {
  if (name in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[name]!;
  const resource = template.Resources?.[name];
  if (resource?.Type === 'AWS::Lambda::Function') return name; // Ref of a function is its name
  return `local-ref:${name}`;
}

function attributeValue(logicalId: string, attribute: string, template: Template): string {
  const resource = template.Resources?.[logicalId];
  if (resource?.Type === 'AWS::Lambda::Function' && attribute === 'Arn') return localFunctionArn(logicalId);
  return `local-attribute:${logicalId}.${attribute}`;
}

function unsupported(what: string, where: string): InvalidInput {
  return new InvalidInput(
    `${where}: the local runner cannot resolve ${what} in the state machine definition; write the definition with Fn::Join, Fn::GetAtt, Ref or Fn::Sub (what CDK emits)`,
  );
}

function functionsOf(template: Template): Map<string, TemplateFunction> {
  const functions = new Map<string, TemplateFunction>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(resource.Properties?.Environment?.Variables ?? {})) {
      if (typeof value === 'string') environment[name] = value;
    }
    const fn: TemplateFunction = {
      logicalId,
      arn: localFunctionArn(logicalId),
      task: environment.ZERODOWN_TASK,
      timeoutSeconds: resource.Properties?.Timeout,
      environment,
    };
    functions.set(fn.arn, fn);
    functions.set(logicalId, fn); // Ref (the function name) resolves to the logical id
  }
  return functions;
}

/**
 * Extracts the state machine definition from a synthesized CloudFormation template, with Lambda ARNs
 * resolved to local ones and `DefinitionSubstitutions` applied, and lists the template's functions so a
 * Task state's `FunctionName` can be mapped to its `ZERODOWN_TASK` handler.
 *
 * @example
 * const machine = extractStateMachine(Template.fromStack(stack).toJSON());
 * machine.functions.get(machine.definition.States.Plan.Parameters.FunctionName)?.task; // 'plan'
 */
export function extractStateMachine(
  template: object,
  options: { logicalId?: string } = {},
): ExtractedStateMachine {
  const resources = Object.entries((template as Template).Resources ?? {}).filter(
    ([id, resource]) =>
      resource.Type === 'AWS::StepFunctions::StateMachine' &&
      (!options.logicalId || id === options.logicalId),
  );
  if (resources.length !== 1) {
    throw new InvalidInput(
      resources.length === 0
        ? `the template has no AWS::StepFunctions::StateMachine${options.logicalId ? ` named ${options.logicalId}` : ''}`
        : `the template has ${resources.length} state machines (${resources.map(([id]) => id).join(', ')}): name the one to run`,
    );
  }
  const [logicalId, resource] = resources[0]!;
  const where = `state machine ${logicalId}`;
  const properties = resource.Properties ?? {};
  let text: string;
  if (properties.Definition !== undefined) {
    text = JSON.stringify(resolveIntrinsics(properties.Definition, template as Template, where));
  } else if (properties.DefinitionString !== undefined) {
    const resolved = resolveIntrinsics(properties.DefinitionString, template as Template, where);
    if (typeof resolved !== 'string') throw unsupported('a non-string DefinitionString', where);
    text = resolved;
  } else {
    throw new InvalidInput(
      `${where} has no Definition or DefinitionString (a DefinitionS3Location cannot be run locally)`,
    );
  }
  for (const [name, value] of Object.entries(properties.DefinitionSubstitutions ?? {})) {
    const resolved = resolveIntrinsics(value as Json, template as Template, where);
    text = text.split(`\${${name}}`).join(String(resolved));
  }
  return {
    logicalId,
    definition: JSON.parse(text) as AslDefinition,
    functions: functionsOf(template as Template),
  };
}
