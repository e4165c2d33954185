#!/usr/bin/env node
// `npm run demo`: the main job, locally, on an embedded PostgreSQL (the compiled CLI in dist/).
import { runDemo } from '../dist/cli/demo.js';

const code = await runDemo(process.argv.slice(2));
// an exit code, not process.exit(): the embedded PostgreSQL servers are stopped by their callers first
process.exitCode = code;
