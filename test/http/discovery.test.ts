// The http_sd contract of /api/v1/discovery/logs, checked through inject()
// with the same strictness as Prometheus decodes it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer } from '../../src/http/server.js';
import { ExpositionCache } from '../../src/metrics/render.js';
import { SelfMetrics } from '../../src/metrics/self.js';
import { buildSnapshot } from '../../src/poller/build.js';
import type { KnownDetail } from '../../src/poller/details.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { dbMain, pollResults, webApp, webSidecar, webSidecarOld } from '../fixtures/poll-results.js';
import { decodeHttpSd, HTTP_SD_CONTENT_TYPE, type Group } from '../fixtures/http-sd.js';

let snapshot: Snapshot = buildSnapshot(pollResults(), { seq: 1, now: 1_700_000_500, lastSuccessAt: 0 });
const reads: string[] = [];
const app = buildServer({
  snapshot: () => snapshot,
  exposition: new ExpositionCache(),
  self: new SelfMetrics('test'),
  health: () => ({ alive: true, ready: true, reason: '' }),
  logger: false,
  readDir: async (dir) => {
    reads.push(dir);
    const { readdir } = await import('node:fs/promises');
    return readdir(dir);
  },
});
after(() => app.close());

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });
const groupsOf = async (query = ''): Promise<Group[]> => {
  const res = await get(`/api/v1/discovery/logs${query}`);
  assert.equal(res.statusCode, 200, res.body);
  return decodeHttpSd(res.body);
};
const idsOf = (groups: Group[]) => groups.map((g) => g.labels.__meta_cri_container_id);

describe('GET /api/v1/discovery/logs: the http_sd contract', () => {
  it('answers 200 application/json with one strictly valid group per log file', async () => {
    const res = await get('/api/v1/discovery/logs');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), HTTP_SD_CONTENT_TYPE);
    const groups = decodeHttpSd(res.body);
    assert.equal(groups.length, 4);
    for (const g of groups) {
      assert.deepEqual(g.targets, ['node-a']);
      assert.ok(g.labels.__path__?.startsWith('/var/log/pods/'), g.labels.__path__);
      assert.equal(g.labels.__meta_kubernetes_pod_node_name, 'node-a');
      assert.equal(g.labels.__meta_cri_rotated, 'false');
    }
  });

  it('lists every restart attempt, in a deterministic order', async () => {
    const groups = await groupsOf();
    assert.deepEqual(idsOf(groups), [dbMain.id, webApp.id, webSidecarOld.id, webSidecar.id]);
    assert.deepEqual(groups.filter((g) => g.labels.__meta_kubernetes_pod_container_name === 'proxy').map((g) => g.labels.__meta_cri_attempt), ['0', '1']);
    const shuffled = buildSnapshot(pollResults({ containers: [webSidecar, dbMain, webSidecarOld, webApp] }), { seq: 9, now: 1, lastSuccessAt: 0 });
    const before = (await get('/api/v1/discovery/logs')).body;
    snapshot = shuffled;
    assert.equal((await get('/api/v1/discovery/logs')).body, before);
  });

  it('answers [] when there is nothing to discover', async () => {
    const saved = snapshot;
    snapshot = buildSnapshot(pollResults({ containers: [] }), { seq: 10, now: 1, lastSuccessAt: 0 });
    const res = await get('/api/v1/discovery/logs');
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '[]');
    assert.equal((await get('/api/v1/discovery/logs?namespace=shop')).body, '[]');
    snapshot = saved;
  });

  const filters: [string, string[]][] = [
    ['namespace=data', [dbMain.id]],
    ['pod=web-7d9f8-abcde&container=proxy', [webSidecarOld.id, webSidecar.id]],
    ['state=exited', [webSidecarOld.id]],
    ['labelSelector=app%3Dweb,tier%20in%20(front)', [webApp.id, webSidecarOld.id, webSidecar.id]],
    ['namespace=nothing', []],
  ];
  for (const [query, expected] of filters) {
    it(`filters like /containers: ?${query}`, async () => assert.deepEqual(idsOf(await groupsOf(`?${query}`)), expected));
  }

  const invalid: [string, string][] = [
    ['rotated=yes', 'rotated'],
    ['pathPrefix=host', 'pathPrefix'],
    ['pathPrefix=/host/../etc', 'pathPrefix'],
    ['state=sleeping', 'state'],
    ['labelSelector=app%20in%20(', 'labelSelector'],
    ['rotate=true', 'rotate'],
  ];
  for (const [query, parameter] of invalid) {
    it(`answers 400 naming the parameter for ?${query}`, async () => {
      const res = await get(`/api/v1/discovery/logs?${query}`);
      assert.equal(res.statusCode, 400);
      const body = res.json() as { parameter: string; message: string };
      assert.equal(body.parameter, parameter);
      assert.ok(body.message.includes(parameter), body.message);
    });
  }

  it('rewrites every path under pathPrefix, and only the path', async () => {
    const plain = await groupsOf();
    for (const prefix of ['/host', '/host/', '/host//']) {
      const moved = await groupsOf(`?pathPrefix=${encodeURIComponent(prefix)}`);
      assert.deepEqual(moved.map((g) => g.labels.__path__), plain.map((g) => `/host${g.labels.__path__}`));
      assert.deepEqual(moved.map((g) => ({ ...g.labels, __path__: '' })), plain.map((g) => ({ ...g.labels, __path__: '' })));
    }
    assert.deepEqual(await groupsOf('?pathPrefix=%2F'), plain);
  });

  it('sends an ETag and answers 304 to If-None-Match until the content changes', async () => {
    const first = await get('/api/v1/discovery/logs');
    const etag = String(first.headers.etag);
    assert.match(etag, /^".+"$/);
    const again = await get('/api/v1/discovery/logs', { 'if-none-match': etag });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal((await get('/api/v1/discovery/logs', { 'if-none-match': `"x", W/${etag}` })).statusCode, 304, 'lists and weak tags match');
    assert.equal((await get('/api/v1/discovery/logs?namespace=data', { 'if-none-match': etag })).statusCode, 200, 'another query, another body');
    const saved = snapshot;
    snapshot = buildSnapshot(pollResults({ containers: [webApp] }), { seq: 11, now: 1, lastSuccessAt: 0 });
    const changed = await get('/api/v1/discovery/logs', { 'if-none-match': etag });
    assert.equal(changed.statusCode, 200);
    assert.notEqual(changed.headers.etag, etag);
    snapshot = saved;
  });
});

describe('GET /api/v1/discovery/logs: removed containers and rotated files', () => {
  let dir: string;
  const T = 1_700_000_000;
  /** The fixture node, but with every log under `dir`, as a real runtime would report it. */
  const results = (containers = pollResults().containers) => {
    const base = pollResults();
    const details = new Map<string, KnownDetail>();
    for (const [id, known] of base.details) {
      const logPath = known.detail.logPath.replace('/var/log/pods', dir);
      details.set(id, { ...known, detail: { ...known.detail, logPath } });
    }
    return pollResults({ containers, details });
  };
  const logOf = (id: string) => snapshot.containers.find((c) => c.id === id)?.logPath ?? snapshot.departed.find((d) => d.container.id === id)?.container.logPath ?? '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cri-discovery-'));
    snapshot = buildSnapshot(results(), { seq: 100, now: T, lastSuccessAt: 0 });
    for (const c of snapshot.containers) {
      await mkdir(join(c.logPath, '..'), { recursive: true });
      await writeFile(c.logPath, '2024-01-01T12:00:00Z stdout F hello\n');
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps a removed container listed, exited, for the grace period, then drops it', async () => {
    const live = snapshot;
    const rest = pollResults().containers.filter((c) => c.id !== dbMain.id);
    const gone = buildSnapshot(results(rest), { seq: 101, now: T + 10, lastSuccessAt: T, previous: live, removedGraceSeconds: 30 });
    snapshot = gone;
    const during = (await groupsOf()).find((g) => g.labels.__meta_cri_container_id === dbMain.id);
    assert.ok(during, 'listed during grace');
    assert.equal(during.labels.__meta_cri_state, 'exited');
    assert.deepEqual(idsOf(await groupsOf('?state=exited')), [dbMain.id, webSidecarOld.id], 'a departed container is exited for the filters too');
    snapshot = buildSnapshot(results(rest), { seq: 102, now: T + 41, lastSuccessAt: T, previous: gone, removedGraceSeconds: 30 });
    assert.ok(!idsOf(await groupsOf()).includes(dbMain.id), 'gone after grace');
    snapshot = live;
  });

  it('drops a removed container during grace once its file is deleted', async () => {
    const live = snapshot;
    const rest = pollResults().containers.filter((c) => c.id !== webApp.id);
    const appLog = logOf(webApp.id);
    snapshot = buildSnapshot(results(rest), { seq: 103, now: T + 10, lastSuccessAt: T, previous: live, removedGraceSeconds: 30 });
    assert.ok(idsOf(await groupsOf()).includes(webApp.id));
    await rm(appLog);
    snapshot = { ...snapshot, seq: 104 };
    assert.ok(!idsOf(await groupsOf()).includes(webApp.id));
    await writeFile(appLog, '');
    snapshot = live;
  });

  it('lists the kubelet\'s rotated files with rotated=true, labelled rotated', async () => {
    const appLog = logOf(webApp.id);
    await writeFile(`${appLog}.20240101-120000`, 'older\n');
    await writeFile(`${appLog}.20240101-110000.gz`, '');
    await writeFile(`${appLog}.20240101-130000.gz.tmp`, '');
    snapshot = { ...snapshot, seq: 105 };
    const plain = await groupsOf('?container=app');
    assert.deepEqual(plain.map((g) => g.labels.__path__), [appLog]);
    const all = await groupsOf('?container=app&rotated=true&pathPrefix=/host');
    assert.deepEqual(all.map((g) => [g.labels.__path__, g.labels.__meta_cri_rotated]), [
      [`/host${appLog}`, 'false'], [`/host${appLog}.20240101-110000.gz`, 'true'], [`/host${appLog}.20240101-120000`, 'true'],
    ]);
    const { __path__: _a, __meta_cri_rotated: _b, ...liveLabels } = all[0]?.labels ?? {};
    const { __path__: _c, __meta_cri_rotated: _d, ...rotatedLabels } = all[2]?.labels ?? {};
    assert.deepEqual(rotatedLabels, liveLabels, 'a rotated file carries its container\'s labels');
  });

  it('reads each log directory at most once per snapshot, and not at all when it need not', async () => {
    snapshot = { ...snapshot, seq: 106 };
    reads.length = 0;
    await groupsOf();
    assert.deepEqual(reads, [], 'nothing departed, no rotated files asked for');
    await Promise.all([groupsOf('?rotated=true'), groupsOf('?rotated=true'), groupsOf('?rotated=true&namespace=shop')]);
    const once = reads.length;
    assert.equal(once, new Set(reads).size);
    assert.equal(once, 3, 'three container directories');
    await groupsOf('?rotated=true');
    assert.equal(reads.length, once, 'cached for the same snapshot');
    snapshot = { ...snapshot, seq: 107 };
    await groupsOf('?rotated=true');
    assert.equal(reads.length, 2 * once, 'read again for a new snapshot');
  });
});
