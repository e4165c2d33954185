import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInput } from '../errors.ts';
import type { LintConfig, LintPhase, LintRule, RuleLevel } from './types.ts';

/** The project config file, looked up in the working directory. */
export const CONFIG_FILE = 'zerodown.config.json';

/** The keys `zerodown.config.json` may have at its top level. */
const TOP_LEVEL_KEYS = ['lint', 'versionedSchema', '$schema'];

/** The project's settings in `zerodown.config.json` (defaults where the file says nothing). */
export interface ProjectConfig {
  readonly lint: LintConfig;
  /** Releases get a versioned schema of views unless their input says otherwise (docs/versioned-schemas.md). */
  readonly versionedSchema: boolean;
}

/**
 * Reads `zerodown.config.json` in `cwd` (defaults when there is no file). Refuses, naming the file and
 * field, a config that is not valid.
 *
 * @example
 * const { lint, versionedSchema } = await loadProjectConfig(process.cwd());
 */
export async function loadProjectConfig(cwd: string): Promise<ProjectConfig> {
  const path = join(cwd, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lint: {}, versionedSchema: false };
    throw new InvalidInput(`${CONFIG_FILE}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(`${CONFIG_FILE}: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidInput(`${CONFIG_FILE}: must be a JSON object such as { "lint": { "rules": {} } }`);
  }
  const unknown = Object.keys(json).filter((key) => !TOP_LEVEL_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new InvalidInput(
      `${CONFIG_FILE}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; the file holds ${TOP_LEVEL_KEYS.map((k) => `"${k}"`).join(', ')} (a misspelt key would be ignored)`,
    );
  }
  const versionedSchema = (json as { versionedSchema?: unknown }).versionedSchema ?? false;
  if (typeof versionedSchema !== 'boolean') {
    throw new InvalidInput(`${CONFIG_FILE}: versionedSchema must be true or false`);
  }
  const section = (json as { lint?: unknown }).lint;
  if (section === undefined) return { lint: {}, versionedSchema };
  // zod (about 95 modules) loads only for a project that has a lint section: lint starts faster without
  const { LintConfigSchema } = await import('./config-schema.ts');
  const parsed = LintConfigSchema.safeParse(section);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `lint.${i.path.join('.')}: ${i.message}`);
    throw new InvalidInput(`${CONFIG_FILE}: ${problems.join('; ')}`);
  }
  return { lint: parsed.data, versionedSchema };
}

/**
 * Reads the `lint` section of `zerodown.config.json` in `cwd` (an empty config when there is no file).
 * Refuses, naming the file and field, a config that is not valid.
 *
 * @example
 * const config = await loadLintConfig(process.cwd());
 * // zerodown.config.json: { "lint": { "rules": { "prefer-text-field": "off" },
 * //   "ignore": [{ "rule": "*", "files": "migrations/2019*", "reason": "applied before zerodown" }] } }
 */
export async function loadLintConfig(cwd: string): Promise<LintConfig> {
  return (await loadProjectConfig(cwd)).lint;
}

/** The level of a rule (or tunable finding) in a phase, after the project's config. */
export function levelFor(
  rule: Pick<LintRule, 'id' | 'severity'>,
  phase: LintPhase,
  config: LintConfig | undefined,
): RuleLevel {
  const setting = config?.rules?.[rule.id];
  if (setting === undefined) return rule.severity[phase];
  if (typeof setting === 'string') return setting;
  return setting[phase] ?? rule.severity[phase];
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** The config's ignore entry that covers a finding of `rule` in `file` (path or base name), if any. */
export function configIgnore(
  config: LintConfig | undefined,
  rule: string,
  file: string,
): { reason: string } | undefined {
  const normalized = file.replaceAll('\\', '/');
  const base = normalized.split('/').pop() ?? normalized;
  return config?.ignore?.find((entry) => {
    if (entry.rule !== '*' && entry.rule !== rule) return false;
    const pattern = globToRegExp(entry.files.replace(/^\.\//, ''));
    return pattern.test(normalized) || pattern.test(base);
  });
}
