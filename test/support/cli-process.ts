import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/zerodown.mjs', import.meta.url));

/** Result of a `zerodown` child process. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/zerodown.mjs ...args` as a separate process (a real second runner), in `cwd` (default:
 * this one). `zerodown run --local` synthesizes the app of `./cdk.json`: tests of the example-app
 * fallback run it in {@link NO_CDK_APP}.
 */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return runNode([BIN, ...args], { env: { ...process.env, ...env }, cwd });
}

/** A directory without `cdk.json`, where `zerodown run --local` falls back to the example app. */
export const NO_CDK_APP = tmpdir();

/** Runs `node ...args` (this Node) as a separate process with exactly `env`, and collects its output. */
export function runNode(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string } = { env: process.env },
): Promise<CliResult> {
  return runProcess(process.execPath, args, options);
}

/** Runs `command ...args` (no shell) with exactly `env`, in `cwd`, and collects its output. */
export function runProcess(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
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
