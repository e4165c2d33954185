import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InvalidInput } from '../../core/errors.ts';
import { type FleetTarget, FleetTargetSchema } from '../../lambdas/fleet-events.ts';

/**
 * Reads a fleet file: a JSON array of targets, `[{ "name": "tenant-1", "databaseUrl": "postgres://…" }, …]`
 * (or `secretArn` for deployed targets). A bad file fails naming the file, the target and the field;
 * a URL is never echoed.
 *
 * @example
 * const targets = await loadFleetFile('fleet.json');
 */
export async function loadFleetFile(path: string): Promise<FleetTarget[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInput(`cannot read the fleet file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(
      `${path} is not JSON (${(error as Error).message}); a fleet file is a JSON array of targets`,
    );
  }
  const parsed = z.array(FleetTargetSchema).min(1, 'a fleet needs at least one target').safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [index, ...field] = issue.path;
      const where =
        typeof index === 'number'
          ? `target ${index + 1}${field.length ? ` ${field.join('.')}` : ''}`
          : '(file)';
      return `${where}: ${issue.message}`;
    });
    throw new InvalidInput(
      `${path}: ${problems.join('; ')}. Expected [{"name": "tenant-1", "databaseUrl": "postgres://…"}, …]`,
    );
  }
  const seen = new Map<string, number>();
  for (const [index, target] of parsed.data.entries()) {
    const earlier = seen.get(target.name);
    if (earlier !== undefined) {
      throw new InvalidInput(
        `${path}: targets ${earlier + 1} and ${index + 1} are both named ${target.name}; every target needs its own name`,
      );
    }
    seen.set(target.name, index);
  }
  return parsed.data;
}
