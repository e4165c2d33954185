import type { TestProject } from 'vitest/node';
import { provideTestServer } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgServerUrl: string;
  }
}

/** Starts (or finds) the PostgreSQL server once per test project; each test file makes its own database on it. */
export default async function setup(project: TestProject) {
  const server = await provideTestServer();
  project.provide('pgServerUrl', server.url);
  return async () => {
    await server.stop();
  };
}
