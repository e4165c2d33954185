import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerEngineAnswers } from '../support/postgres-server.ts';

const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe('choosing the test PostgreSQL', () => {
  it('finds no Docker engine when its socket is missing', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    expect(await dockerEngineAnswers()).toBe(false);
  });

  it('finds a Docker engine that answers /_ping on its socket', async () => {
    // GIVEN a server that answers like the Docker engine's ping endpoint
    const dir = await mkdtemp(join(tmpdir(), 'zerodown-docker-'));
    const socket = join(dir, 'docker.sock');
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/_ping' ? 200 : 404;
      res.end('OK');
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      process.env.DOCKER_HOST = `unix://${socket}`;
      expect(await dockerEngineAnswers()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads the testcontainers version we depend on under this Node.js', async () => {
    const module = await import('testcontainers');
    expect(typeof module.GenericContainer).toBe('function');
  });
});
