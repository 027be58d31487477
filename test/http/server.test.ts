import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { buildServer } from '../../src/http/server.js';
import type { Health } from '../../src/http/health.js';
import { ExpositionCache } from '../../src/metrics/render.js';
import { SelfMetrics } from '../../src/metrics/self.js';
import { buildSnapshot } from '../../src/poller/build.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { pollResults, webApp, webSidecar, webSidecarOld } from '../fixtures/poll-results.js';

let snapshot: Snapshot = buildSnapshot(pollResults(), { seq: 1, now: 1_700_000_500, lastSuccessAt: 0 });
let health: Health = { alive: true, ready: true, reason: '' };
const app = buildServer({ snapshot: () => snapshot, exposition: new ExpositionCache(), self: new SelfMetrics('test'), health: () => health, logger: false });
after(() => app.close());

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

describe('GET /api/v1/containers', () => {
  it('lists every container with the SPEC fields', async () => {
    const res = await get('/api/v1/containers');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const items = res.json() as Record<string, unknown>[];
    assert.equal(items.length, 4);
    const app0 = items.find((c) => c.id === webApp.id) as Record<string, any>;
    for (const key of ['id', 'name', 'attempt', 'state', 'createdAt', 'startedAt', 'finishedAt', 'exitCode', 'image', 'imageRef', 'pod', 'logPath', 'writableLayer', 'labels', 'runtime']) {
      assert.ok(key in app0, `missing ${key}`);
    }
    assert.deepEqual(Object.keys(app0.pod).sort(), ['name', 'namespace', 'runtimeHandler', 'sandboxId', 'uid']);
    assert.deepEqual(Object.keys(app0.writableLayer).sort(), ['complete', 'mergedDir', 'source', 'upperDir']);
    assert.equal(app0.startedAt, new Date((1_700_000_011) * 1000).toISOString());
    assert.equal(app0.finishedAt, null);
    assert.deepEqual(app0.runtime, { name: 'containerd', version: '1.6.20' });
  });

  const filters: [string, string[]][] = [
    ['namespace=data', ['postgres']],
    ['pod=web-7d9f8-abcde&container=proxy', [webSidecarOld.id, webSidecar.id]],
    ['state=exited', [webSidecarOld.id]],
    ['state=running,exited&namespace=shop', [webApp.id, webSidecarOld.id, webSidecar.id]],
    ['labelSelector=app%3Dweb,tier%20in%20(front)', [webApp.id, webSidecarOld.id, webSidecar.id]],
    ['labelSelector=io.kubernetes.container.name%3Dapp', [webApp.id]],
    ['namespace=nothing', []],
  ];
  for (const [query, expected] of filters) {
    it(`filters ?${query}`, async () => {
      const res = await get(`/api/v1/containers?${query}`);
      assert.equal(res.statusCode, 200);
      const items = res.json() as { id: string; name: string }[];
      assert.deepEqual(items.map((c) => (expected.includes(c.name) ? c.name : c.id)), expected);
    });
  }

  const invalid: [string, string][] = [
    ['state=sleeping', 'state'],
    ['labelSelector=app%20in%20(', 'labelSelector'],
    ['namespcae=shop', 'namespcae'],
  ];
  for (const [query, parameter] of invalid) {
    it(`answers 400 naming the parameter for ?${query}`, async () => {
      const res = await get(`/api/v1/containers?${query}`);
      assert.equal(res.statusCode, 400);
      const body = res.json() as { parameter: string; message: string };
      assert.equal(body.parameter, parameter);
      assert.ok(body.message.includes(parameter), body.message);
    });
  }

  it('answers 304 to a matching If-None-Match and a new ETag when content changes', async () => {
    const first = await get('/api/v1/containers');
    const etag = String(first.headers.etag);
    assert.equal((await get('/api/v1/containers', { 'if-none-match': etag })).statusCode, 304);
    snapshot = buildSnapshot(pollResults({ containers: [webApp] }), { seq: 2, now: 1_700_000_510, lastSuccessAt: 0 });
    const changed = await get('/api/v1/containers', { 'if-none-match': etag });
    assert.equal(changed.statusCode, 200);
    assert.notEqual(changed.headers.etag, etag);
    snapshot = buildSnapshot(pollResults(), { seq: 3, now: 1_700_000_520, lastSuccessAt: 0 });
  });
});

describe('GET /api/v1/containers/{id}', () => {
  it('finds by full ID and by unique prefix', async () => {
    assert.equal((await get(`/api/v1/containers/${webApp.id}`)).json().id, webApp.id);
    assert.equal((await get(`/api/v1/containers/${webApp.id.slice(0, 12)}`)).json().id, webApp.id);
  });
  it('answers 409 for an ambiguous prefix and 404 for an unknown ID', async () => {
    assert.equal((await get('/api/v1/containers/a')).statusCode, 409);
    const missing = await get('/api/v1/containers/ffff');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /ffff/);
  });
});

describe('GET /metrics', () => {
  it('serves the Prometheus text format with container and agent families', async () => {
    const res = await get('/metrics');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(res.body, /^container_cpu_usage_seconds_total\{.*runtime="containerd".*\} 1\.5$/m);
    assert.match(res.body, /^cri_exporter_up 0$/m);
    assert.match(res.body, /^process_resident_memory_bytes /m);
  });
  it('serves OpenMetrics when asked, ending in # EOF', async () => {
    const res = await get('/metrics', { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' });
    assert.match(String(res.headers['content-type']), /^application\/openmetrics-text/);
    assert.match(res.body, /# TYPE container_cpu_usage_seconds counter\n/);
    assert.ok(res.body.endsWith('# EOF\n'));
    assert.equal(res.body.match(/# EOF/g)?.length, 1);
  });
  it('gzips when asked', async () => {
    const res = await get('/metrics/cadvisor', { 'accept-encoding': 'gzip' });
    assert.equal(res.headers['content-encoding'], 'gzip');
    const text = gunzipSync(res.rawPayload).toString();
    assert.match(text, /^container_memory_working_set_bytes\{/m);
    assert.ok(!/^cri_/m.test(text), '/metrics/cadvisor serves only cAdvisor families');
  });
});

describe('health and runtime', () => {
  it('reports readiness with the reason', async () => {
    assert.equal((await get('/readyz')).statusCode, 200);
    health = { alive: true, ready: false, reason: 'no successful poll yet: connection refused' };
    const res = await get('/readyz');
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /connection refused/);
    assert.equal((await get('/healthz')).statusCode, 200);
    health = { alive: true, ready: true, reason: '' };
  });
  it('describes the runtime', async () => {
    const body = (await get('/api/v1/runtime')).json();
    assert.equal(body.type, 'containerd');
    assert.equal(body.nodeName, 'node-a');
    assert.equal(body.conditions.length, 2);
    assert.equal(body.lastPoll.ok, true);
  });
  it('answers 404 as JSON for unknown paths', async () => {
    const res = await get('/nope');
    assert.equal(res.statusCode, 404);
    assert.match(res.json().message, /\/nope/);
  });
});
