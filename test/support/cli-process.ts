import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/zerodown.mjs', import.meta.url));

/** Result of a `zerodown` child process. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/zerodown.mjs ...args` as a separate process (a real second runner). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runNode([BIN, ...args], { env: { ...process.env, ...env } });
}

/** Runs `node ...args` (this Node) as a separate process with exactly `env`, and collects its output. */
export function runNode(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string } = { env: process.env },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
