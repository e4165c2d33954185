#!/usr/bin/env node
// Runs the bundled CLI (dist/cli-bundle/, built by `npm run build`, which `npm ci` and `npm pack` run).
import { main } from '../dist/cli-bundle/main.js';

const code = await main(process.argv);
// an exit code, not process.exit(): the embedded PostgreSQL servers are stopped by their callers first
process.exitCode = code;
