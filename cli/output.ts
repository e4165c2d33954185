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
