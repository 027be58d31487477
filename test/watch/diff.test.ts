import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot } from '../../src/poller/build.js';
import { diffContainers } from '../../src/watch/diff.js';
import { dbMain, pollResults, webApp, webSidecar, webSidecarOld } from '../fixtures/poll-results.js';

const at = (seq: number, overrides = {}) => buildSnapshot(pollResults(overrides), { seq, now: 1000 + seq, lastSuccessAt: 0 }).containers;

describe('diffContainers', () => {
  it('sees nothing between two polls of an unchanged node, even with new usage and shuffled labels', () => {
    const shuffled = pollResults().containers.map((c) => ({ ...c, labels: Object.fromEntries(Object.entries(c.labels).reverse()) }));
    const usage = pollResults().containerUsage.map((u) => ({ ...u, cpuUsageCoreNanoSeconds: (u.cpuUsageCoreNanoSeconds ?? 0) + 1 }));
    assert.deepEqual(diffContainers(at(1), at(2, { containers: shuffled, containerUsage: usage })), []);
  });

  it('sees nothing between equal copies, and nothing between snapshots that share their list', () => {
    assert.deepEqual(diffContainers(at(1), at(2).map((c) => structuredClone(c))), []);
    const first = buildSnapshot(pollResults(), { seq: 1, now: 1001, lastSuccessAt: 0 });
    const second = buildSnapshot(pollResults(), { seq: 2, now: 1002, lastSuccessAt: 1001, previous: first });
    assert.equal(second.containers, first.containers);
    assert.deepEqual(diffContainers(first.containers, second.containers), []);
  });

  it('sees a changed label, and a field present on one side only', () => {
    const relabelled = pollResults().containers.map((c) => (c.id === webApp.id ? { ...c, labels: { ...c.labels, tier: 'gold' } } : c));
    assert.deepEqual(diffContainers(at(1), at(2, { containers: relabelled })).map((c) => [c.type, c.container.id]), [['modified', webApp.id]]);
    const extra = at(2).map((c) => (c.id === dbMain.id ? { ...c, note: 'x' } : c));
    assert.deepEqual(diffContainers(at(1), extra).map((c) => [c.type, c.container.id]), [['modified', dbMain.id]]);
    assert.deepEqual(diffContainers(extra, at(3)).map((c) => [c.type, c.container.id]), [['modified', dbMain.id]]);
  });

  it('reports added, modified and removed containers', () => {
    const before = at(1, { containers: [webApp, webSidecarOld, dbMain] });
    const after = at(2, { containers: [webApp, webSidecarOld, webSidecar] });
    const exited = { ...webApp, state: 'exited' as const };
    const details = new Map(pollResults().details);
    const known = details.get(webApp.id);
    assert.ok(known);
    details.set(webApp.id, { ...known, detail: { ...known.detail, state: 'exited', finishedAt: 1_700_000_020, exitCode: 1 } });
    const after2 = at(3, { containers: [exited, webSidecarOld, webSidecar], details });
    assert.deepEqual(diffContainers(before, after).map((c) => [c.type, c.container.id]), [['added', webSidecar.id], ['removed', dbMain.id]]);
    const changes = diffContainers(after, after2);
    assert.deepEqual(changes.map((c) => [c.type, c.container.id, c.container.state]), [['modified', webApp.id, 'exited']]);
  });

  it('reports every container as added against an empty start', () => {
    assert.deepEqual(diffContainers([], at(1)).map((c) => c.type), ['added', 'added', 'added', 'added']);
  });
});
