import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot } from '../../src/poller/build.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { WatchHub, type WatchEvent } from '../../src/watch/hub.js';
import { dbMain, pollResults, webApp, webSidecar, webSidecarOld } from '../fixtures/poll-results.js';

const snap = (seq: number, containers = pollResults().containers): Snapshot => buildSnapshot(pollResults({ containers }), { seq, now: 1000 + seq, lastSuccessAt: 0 });

describe('WatchHub', () => {
  it('numbers events from consecutive snapshots and hands them to subscribers', () => {
    const hub = new WatchHub({ epoch: 'e1' });
    const seen: WatchEvent[] = [];
    const stop = hub.subscribe((e) => seen.push(e));
    hub.publish(snap(1, [webApp]));
    hub.publish(snap(2, [webApp]));
    hub.publish(snap(3, [webApp, dbMain]));
    stop();
    hub.publish(snap(4, []));
    assert.deepEqual(seen.map((e) => [e.id, e.type, e.container.id]), [['e1-1', 'added', webApp.id], ['e1-2', 'added', dbMain.id]]);
    assert.equal(hub.headId, 'e1-4');
  });

  it('starts a new client from the current containers', () => {
    const hub = new WatchHub({ epoch: 'e1' });
    hub.publish(snap(1));
    const r = hub.resume(undefined);
    assert.equal(r.kind, 'fresh');
    assert.equal(r.kind === 'fresh' && r.containers.length, 4);
    assert.equal(r.kind === 'fresh' && r.headId, 'e1-4');
  });

  it('replays what a reconnecting client missed while it is buffered, and asks for a resync after', () => {
    const hub = new WatchHub({ epoch: 'e1', capacity: 3 });
    hub.publish(snap(1, [webApp]));
    hub.publish(snap(2, [webApp, dbMain]));
    hub.publish(snap(3, [webApp, dbMain, webSidecar]));
    const r = hub.resume('e1-1');
    assert.equal(r.kind, 'replay');
    assert.deepEqual(r.kind === 'replay' && r.events.map((e) => e.id), ['e1-2', 'e1-3']);
    assert.deepEqual(hub.resume('e1-3'), { kind: 'replay', events: [] });
    hub.publish(snap(4, [webApp, dbMain, webSidecar, webSidecarOld]));
    hub.publish(snap(5, [dbMain, webSidecar, webSidecarOld]));
    assert.equal(hub.resume('e1-2').kind, 'replay', 'e1-3.. are still buffered');
    const lost = hub.resume('e1-1');
    assert.equal(lost.kind, 'resync');
    assert.match(lost.kind === 'resync' ? lost.reason : '', /no longer buffered/);
    assert.deepEqual(lost.kind === 'resync' && lost.containers.map((c) => c.id), snap(5, [dbMain, webSidecar, webSidecarOld]).containers.map((c) => c.id));
    assert.equal(lost.kind === 'resync' && lost.headId, 'e1-5');
  });

  it('asks for a resync for an ID of another run, from the future, or malformed', () => {
    const hub = new WatchHub({ epoch: 'e2' });
    hub.publish(snap(1));
    for (const id of ['e1-2', 'e2-99', 'garbage', 'e2-']) assert.equal(hub.resume(id).kind, 'resync', id);
  });
});
