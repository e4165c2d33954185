#!/usr/bin/env node
// `npm run demo`: the main job, locally, on an embedded PostgreSQL.
import { register } from 'tsx/esm/api';

register();
const { runDemo } = await import('../cli/demo.ts');
process.exitCode = await runDemo(process.argv.slice(2));
