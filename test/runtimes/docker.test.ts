// The docker adapter and its Engine API client against a stand-in daemon
// socket that replays answers recorded from a real dockerd
// (test/fixtures/docker): success, container gone, daemon down, garbage,
// daemon too slow, answer too large, and the cooldown after a failure.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import type { ContainerDetail } from '../../src/cri/types.js';
import { DockerApiClient } from '../../src/runtimes/docker-api.js';
import { DockerApiError } from '../../src/runtimes/docker-api-error.js';
import { dockerAdapter } from '../../src/runtimes/docker.js';
import { CGROUP_PARENT, ID, LAYER, RUNNING, replay, type Route } from '../fixtures/docker/fake-daemon.js';
import { useFakeDaemon } from '../fixtures/docker/use-fake-daemon.js';

const fake = useFakeDaemon();

function detail(id: string, info: Record<string, string> = {}): ContainerDetail {
  return {
    id, state: 'running', startedAt: 0, finishedAt: 0, exitCode: 0, reason: '', image: 'localhost/cri-exporter-e2e/busybox:1',
    imageRef: 'docker-pullable://localhost/cri-exporter-e2e/busybox@sha256:00', logPath: `/var/log/pods/shop_web_uid/app/0.log`, info,
  };
}

function adapterOn(endpoint: string, timeoutMs = 2000, now?: () => number) {
  const deps = { runtimeEndpoint: parseEndpoint('/run/cri-dockerd.sock'), dockerEndpoint: parseEndpoint(endpoint), hostProc: '/proc', timeoutMs };
  return dockerAdapter(deps, { now });
}

describe('docker adapter', () => {
  it('inspects the container once and takes its overlay2 dirs and cgroup', async () => {
    const adapter = adapterOn(`unix://${fake.socket}`);
    try {
      const e = await adapter.enrich(detail(ID));
      assert.deepEqual(e.writableLayer, { mergedDir: `${LAYER}/merged`, upperDir: `${LAYER}/diff`, source: 'docker-api', complete: true });
      assert.equal(e.cgroupPath, `${CGROUP_PARENT}/${ID}`);
      assert.deepEqual(fake.requests, [`GET /containers/${ID}/json`]);
      assert.equal(adapter.type, 'docker');
    } finally {
      adapter.close();
    }
  });

  it('gives no layer and does not throw when Docker no longer knows the container (404)', async () => {
    const adapter = adapterOn(fake.socket);
    try {
      const gone = 'f'.repeat(64);
      const e = await adapter.enrich(detail(gone, { info: JSON.stringify({ sandboxID: 'abc', pid: 0 }) }));
      assert.deepEqual(e, { cgroupPath: '' });
      assert.deepEqual(fake.requests, [`GET /containers/${gone}/json`]);
    } finally {
      adapter.close();
    }
  });

  it('falls back to what CRI gives, marked unavailable and to be retried, when the daemon is down', async () => {
    const adapter = adapterOn(`unix://${join(dirname(fake.socket), 'no-such.sock')}`);
    try {
      const spec = JSON.stringify({ runtimeSpec: { linux: { cgroupsPath: '/kubepods/pod1/abc' } } });
      const e = await adapter.enrich(detail(ID, { info: spec }));
      assert.deepEqual(e, {
        cgroupPath: '/kubepods/pod1/abc',
        writableLayer: { mergedDir: '', upperDir: '', source: 'docker-api-unavailable', complete: false },
        retry: true,
      });
    } finally {
      adapter.close();
    }
  });

  it('marks an answer that is not an inspect document as an API error, without throwing; only a server error is retried', async () => {
    const answers: [string, Route, boolean][] = [
      ['garbage', (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"Id": "4f2c", "GraphDri'), false],
      ['HTML', (_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>proxy</html>'), false],
      ['JSON of another shape', (_req, res) => res.writeHead(200).end('[1, 2, 3]'), false],
      ['another container', (_req, res) => res.writeHead(200).end(RUNNING.split(ID).join('e'.repeat(64))), false],
      ['server error', (_req, res) => res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message":"layer does not exist"}'), true],
    ];
    const adapter = adapterOn(fake.socket);
    try {
      for (const [what, answer, retry] of answers) {
        fake.route = answer;
        const e = await adapter.enrich(detail(ID));
        assert.deepEqual(e.writableLayer, { mergedDir: '', upperDir: '', source: 'docker-api-error', complete: false }, what);
        assert.equal(e.retry === true, retry, `${what}: retry`);
      }
    } finally {
      adapter.close();
    }
  });

  it('gives up on a daemon that does not answer within the deadline', async () => {
    fake.route = () => undefined; // accepts the request, never answers
    const adapter = adapterOn(fake.socket, 150);
    try {
      const started = Date.now();
      const e = await adapter.enrich(detail(ID));
      const took = Date.now() - started;
      assert.equal(e.writableLayer?.source, 'docker-api-unavailable');
      assert.equal(e.retry, true);
      assert.ok(took >= 140 && took < 1500, `took ${took} ms for a 150 ms deadline`);
    } finally {
      adapter.close();
      fake.dropConnections();
    }
  });

  it('also holds the deadline against a daemon that trickles its answer', async () => {
    fake.route = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(timer));
    };
    const adapter = adapterOn(fake.socket, 200);
    try {
      const started = Date.now();
      assert.equal((await adapter.enrich(detail(ID))).writableLayer?.source, 'docker-api-unavailable');
      assert.ok(Date.now() - started < 1500);
    } finally {
      adapter.close();
    }
  });

  it('leaves an unreachable daemon alone for a while instead of waiting out a deadline per container', async () => {
    fake.route = () => undefined;
    let now = 1_000_000;
    const adapter = adapterOn(fake.socket, 150, () => now);
    try {
      assert.equal((await adapter.enrich(detail(ID))).writableLayer?.source, 'docker-api-unavailable');
      assert.equal(fake.requests.length, 1);
      const started = Date.now();
      const next = await adapter.enrich(detail('a'.repeat(64)));
      assert.deepEqual([next.writableLayer?.source, next.retry], ['docker-api-unavailable', true]);
      assert.ok(Date.now() - started < 100, 'answered without asking');
      assert.equal(fake.requests.length, 1);

      fake.route = replay;
      now += 30_000;
      assert.equal((await adapter.enrich(detail(ID))).writableLayer?.source, 'docker-api', 'asked again once the cooldown is over');
      assert.equal(fake.requests.length, 2);
    } finally {
      adapter.close();
      fake.dropConnections();
    }
  });
});

describe('DockerApiClient', () => {
  it('errors name the endpoint, the request, the status and what the daemon said', async () => {
    fake.route = (_req, res) => res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message":"layer does not exist"}');
    const api = new DockerApiClient({ endpoint: parseEndpoint(fake.socket), timeoutMs: 1000 });
    try {
      await assert.rejects(api.inspectContainer(ID), (err: unknown) => {
        assert.ok(err instanceof DockerApiError);
        assert.equal(err.kind, 'bad-response');
        assert.equal(err.status, 500);
        assert.equal(err.message, `Docker Engine API GET /containers/${ID}/json on unix://${fake.socket} failed: HTTP 500: layer does not exist`);
        return true;
      });
    } finally {
      api.close();
    }
  });

  it('refuses an answer larger than the limit, declared or streamed', async () => {
    const big = `{"Id":"${ID}","pad":"${'x'.repeat(4096)}"}`;
    const answers: [string, Route][] = [
      ['with Content-Length', (_req, res) => res.writeHead(200, { 'Content-Length': Buffer.byteLength(big) }).end(big)],
      ['chunked', (_req, res) => { res.writeHead(200); res.write(big.slice(0, 2000)); res.end(big.slice(2000)); }],
    ];
    const api = new DockerApiClient({ endpoint: parseEndpoint(fake.socket), timeoutMs: 1000, maxResponseBytes: 1024 });
    try {
      for (const [what, answer] of answers) {
        fake.route = answer;
        await assert.rejects(api.inspectContainer(ID), /exceeds the 1024-byte limit/, what);
      }
    } finally {
      api.close();
    }
  });

  it('answers undefined for 404 and escapes the ID into the path', async () => {
    const api = new DockerApiClient({ endpoint: parseEndpoint(fake.socket), timeoutMs: 1000 });
    try {
      assert.equal(await api.inspectContainer('../../info'), undefined);
      assert.deepEqual(fake.requests, ['GET /containers/..%2F..%2Finfo/json']);
    } finally {
      api.close();
    }
  });
});
