// /api/v1/watch over a real socket: SSE framing, the starting state, live
// events, replay after a reconnect, resync, heartbeat, and shutdown.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import { ExpositionCache } from '../../src/metrics/render.js';
import { SelfMetrics } from '../../src/metrics/self.js';
import { buildSnapshot } from '../../src/poller/build.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { WatchHub } from '../../src/watch/hub.js';
import { dbMain, pollResults, webApp, webSidecar, webSidecarOld } from '../fixtures/poll-results.js';
import { openSse, type SseClient } from '../fixtures/sse-client.js';

let seq = 0;
const snap = (containers = pollResults().containers): Snapshot => {
  seq += 1;
  return buildSnapshot(pollResults({ containers }), { seq, now: 1000 + seq, lastSuccessAt: 0 });
};

async function start(hub: WatchHub): Promise<{ app: FastifyInstance; url: string }> {
  const app = buildServer({
    snapshot: () => snap(), exposition: new ExpositionCache(), self: new SelfMetrics('test'),
    health: () => ({ alive: true, ready: true, reason: '' }), logger: false, watch: hub, watchHeartbeatMs: 100,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return { app, url: `http://127.0.0.1:${addr.port}/api/v1/watch` };
}

describe('GET /api/v1/watch', () => {
  const hub = new WatchHub({ epoch: 'test', capacity: 4 });
  let app: FastifyInstance;
  let url: string;
  const clients: SseClient[] = [];
  const open = async (headers: Record<string, string> = {}) => {
    const c = await openSse(url, headers);
    clients.push(c);
    return c;
  };

  before(async () => {
    hub.publish(snap([webApp, dbMain]));
    ({ app, url } = await start(hub));
  });
  after(async () => {
    for (const c of clients) c.close();
    await app.close();
  });

  it('starts a new client with the current containers; only the last carries the position', async () => {
    const c = await open();
    assert.equal(c.status, 200);
    assert.match(c.contentType, /^text\/event-stream/);
    await c.waitFor((e) => e.id !== undefined, 5000, 'the starting state');
    assert.deepEqual(c.events.map((e) => [e.event, (JSON.parse(e.data) as { id: string }).id, e.id]), [
      ['added', dbMain.id, undefined], ['added', webApp.id, 'test-2'],
    ]);
    const body = JSON.parse(c.events[1]?.data ?? '{}') as Record<string, unknown>;
    for (const key of ['id', 'name', 'attempt', 'state', 'pod', 'logPath', 'writableLayer', 'labels', 'runtime']) assert.ok(key in body, key);
    c.close();
  });

  it('streams added, modified and removed events with IDs, and heartbeats', async () => {
    const c = await open();
    await c.waitFor((e) => e.id === 'test-2', 5000, 'the starting state');
    const from = c.events.length;
    hub.publish(snap([webApp, dbMain, webSidecar]));
    const added = await c.waitFor((e) => e.event === 'added', 5000, 'added', from);
    assert.equal(added.id, 'test-3');
    assert.equal((JSON.parse(added.data) as { id: string }).id, webSidecar.id);
    hub.publish(snap([webApp, webSidecar]));
    const removed = await c.waitFor((e) => e.event === 'removed', 5000, 'removed', from);
    assert.equal(removed.id, 'test-4');
    assert.equal((JSON.parse(removed.data) as { id: string }).id, dbMain.id);
    await new Promise((r) => setTimeout(r, 250));
    assert.ok(c.comments.includes('heartbeat'), `heartbeat comments: ${JSON.stringify(c.comments)}`);
    c.close();
  });

  it('replays the events a reconnecting client missed', async () => {
    const c = await open();
    await c.waitFor((e) => e.id === hub.headId, 5000, 'the starting state');
    const last = c.lastEventId() as string;
    c.close();
    hub.publish(snap([webApp, webSidecar, webSidecarOld]));
    hub.publish(snap([webSidecar, webSidecarOld]));
    const again = await open({ 'last-event-id': last });
    await again.waitFor((e) => e.id === hub.headId, 5000, 'the missed events');
    assert.deepEqual(again.events.map((e) => [e.event, e.id, (JSON.parse(e.data) as { id: string }).id]), [
      ['added', 'test-5', webSidecarOld.id], ['removed', 'test-6', webApp.id],
    ]);
    again.close();
  });

  it('sends resync, then the current containers, when the missed events are no longer buffered', async () => {
    hub.publish(snap([webSidecar]));
    hub.publish(snap([webSidecar, dbMain]));
    const c = await open({ 'last-event-id': 'test-3' });
    await c.waitFor((e) => e.id === hub.headId, 5000, 'resync and state');
    assert.equal(c.events[0]?.event, 'resync');
    assert.match(c.events[0]?.data ?? '', /no longer buffered/);
    assert.deepEqual(c.events.slice(1).map((e) => [e.event, (JSON.parse(e.data) as { id: string }).id]), [['added', dbMain.id], ['added', webSidecar.id]]);
    c.close();
  });

  it('answers 400 to an unknown parameter', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/watch?since=1' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().parameter, 'since');
  });
});

describe('closing the server', () => {
  it('ends open watch streams instead of waiting for them', async () => {
    const hub = new WatchHub();
    hub.publish(snap());
    const { app, url } = await start(hub);
    const clients = await Promise.all([openSse(url), openSse(url)]);
    await Promise.all(clients.map((c) => c.waitFor((e) => e.id !== undefined, 5000, 'state')));
    assert.equal(hub.subscribers, 2);
    const started = Date.now();
    await app.close();
    await Promise.all(clients.map((c) => c.ended));
    assert.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms`);
    assert.equal(hub.subscribers, 0);
  });
});
