import type { Log } from '../core/log.ts';

/** Human log lines on stderr (stdout stays for results, so `--format json` output is clean). */
export function stderrLog(options: { verbose?: boolean } = {}): Log {
  const write = (level: string, message: string) => process.stderr.write(`${level}${message}\n`);
  return {
    info: (message) => write('', message),
    warn: (message) => write('warning: ', message),
    error: (message) => write('error: ', message),
    debug: (message) => {
      if (options.verbose) write('debug: ', message);
    },
  };
}

/** `--format` of the commands that print a result. */
export type OutputFormat = 'text' | 'json';

/**
 * Runs a command's work and prints its result on stdout: `text(result)` by default (nothing: the human
 * lines went to stderr as the work went), or with
 * `--format json` one JSON document, `{"ok":true,…}`; on failure `{"ok":false,"error":{"name","message"}}`
 * (with the result when there is one: a dry run that shows what would run and then fails on lint)
 * before the error goes on to stderr and the exit code.
 *
 * @example
 * await printResult('json', () => applyUp(options), (r) => r.summary);
 */
export async function printResult<T extends object>(
  format: OutputFormat,
  work: () => Promise<T & { failure?: Error }>,
  text: (result: T) => string = () => '',
): Promise<T> {
  const json = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);
  const errorOf = (error: unknown) => {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    return { name, message };
  };
  let outcome: T & { failure?: Error };
  try {
    outcome = await work();
  } catch (error) {
    if (format === 'json') json({ ok: false, error: errorOf(error) });
    throw error;
  }
  const { failure, ...result } = outcome;
  if (format === 'json') {
    json(failure ? { ok: false, error: errorOf(failure), ...result } : { ok: true, ...result });
  } else {
    const out = text(result as T);
    if (out) process.stdout.write(`${out}\n`);
  }
  if (failure) throw failure;
  return result as T;
}
