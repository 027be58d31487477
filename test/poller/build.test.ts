import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot } from '../../src/poller/build.js';
import { layerFromStats as crioLayerFromStats } from '../../src/runtimes/crio.js';
import { genericAdapter } from '../../src/runtimes/generic.js';
import { dbMain, pollResults, webApp, webSidecar, webSidecarOld, WEB_UID } from '../fixtures/poll-results.js';

const ctx = { seq: 7, now: 1_700_000_500, lastSuccessAt: 1_700_000_400 };

describe('buildSnapshot', () => {
  it('joins containers with their pod, status and usage', () => {
    const s = buildSnapshot(pollResults(), ctx);
    const app = s.containers.find((c) => c.id === webApp.id);
    assert.ok(app);
    assert.deepEqual(app.pod, { name: 'web-7d9f8-abcde', namespace: 'shop', uid: WEB_UID, sandboxId: 's1'.repeat(32), runtimeHandler: 'runc', labels: { app: 'web', tier: 'front' } });
    assert.equal(app.image, 'localhost/shop/app:1.0', 'image name from ContainerStatus, not the ID from ListContainers');
    assert.equal(app.logPath, `/var/log/pods/shop_web-7d9f8-abcde_${WEB_UID}/app/0.log`);
    assert.equal(s.usage.get(app.id)?.cpuUsageCoreNanoSeconds, 1_500_000_000);
    assert.equal(app.runtime.name, 'containerd');
    assert.equal(app.cgroupPath, `/kubepods/burstable/pod${WEB_UID}/${webApp.id}`);
    assert.equal(app.detailed, true);
  });

  it('orders containers by namespace, pod, name, attempt', () => {
    const s = buildSnapshot(pollResults({ containers: [webSidecar, dbMain, webApp, webSidecarOld] }), ctx);
    assert.deepEqual(s.containers.map((c) => `${c.pod.namespace}/${c.pod.name}/${c.name}/${c.attempt}`), [
      'data/db-0/postgres/0', 'shop/web-7d9f8-abcde/app/0', 'shop/web-7d9f8-abcde/proxy/0', 'shop/web-7d9f8-abcde/proxy/1',
    ]);
  });

  it('keeps a container whose status is unknown, marked as not detailed', () => {
    const s = buildSnapshot(pollResults({ details: new Map() }), ctx);
    const app = s.containers.find((c) => c.id === webApp.id);
    assert.equal(app?.detailed, false);
    assert.equal(app?.logPath, '');
    assert.equal(app?.pod.name, 'web-7d9f8-abcde', 'Kubernetes names still come from the labels');
  });

  it('falls back to sandbox metadata for containers without kubelet labels', () => {
    const bare = { ...dbMain, labels: {} };
    const s = buildSnapshot(pollResults({ containers: [bare] }), ctx);
    assert.equal(s.containers[0]?.pod.name, 'db-0');
    assert.equal(s.containers[0]?.pod.namespace, 'data');
    assert.equal(s.containers[0]?.name, 'postgres');
  });

  it('does not take containerd\'s snapshotter root as a writable layer', () => {
    const s = buildSnapshot(pollResults({ writableLayerFromStats: genericAdapter('containerd').writableLayerFromStats }), ctx);
    assert.deepEqual(s.containers.find((c) => c.id === webApp.id)?.writableLayer, { mergedDir: '', upperDir: '', source: 'none', complete: false });
  });

  it('takes CRI-O\'s per-container mountpoint from stats', () => {
    const r = pollResults();
    const crio = pollResults({
      runtime: { ...r.runtime, type: 'cri-o', name: 'cri-o' },
      containerUsage: [{ id: webApp.id, timestamp: 1, writableLayer: { mountpoint: '/var/lib/containers/storage/overlay/abc/merged' } }],
      writableLayerFromStats: crioLayerFromStats,
    });
    const layer = buildSnapshot(crio, ctx).containers.find((c) => c.id === webApp.id)?.writableLayer;
    assert.equal(layer?.mergedDir, '/var/lib/containers/storage/overlay/abc/merged');
    assert.equal(layer?.source, 'cri-stats');
    assert.equal(layer?.upperDir, '/var/lib/containers/storage/overlay/abc/diff');
  });

  it('records success time only for successful polls, and freezes the result', () => {
    assert.equal(buildSnapshot(pollResults(), ctx).lastSuccessAt, ctx.now);
    const failed = buildSnapshot(pollResults({ ok: false }), ctx);
    assert.equal(failed.lastSuccessAt, ctx.lastSuccessAt);
    assert.ok(Object.isFrozen(failed.containers));
    assert.throws(() => (failed.containers as unknown[]).push(1));
  });
});

describe('what stays the same from one poll to the next', () => {
  // Each poll decodes fresh objects: copy the fixture deeply to be sure sharing comes from buildSnapshot.
  const fresh = (overrides: Parameters<typeof pollResults>[0] = {}) => structuredClone(pollResults(overrides));

  it('keeps an unchanged container, and the whole list, as the same objects while usage moves', () => {
    const first = buildSnapshot(fresh(), ctx);
    const r = fresh();
    const usage = r.containerUsage.map((u) => ({ ...u, cpuUsageCoreNanoSeconds: (u.cpuUsageCoreNanoSeconds ?? 0) + 7 }));
    const second = buildSnapshot({ ...r, containerUsage: usage }, { ...ctx, seq: 8, previous: first });
    assert.equal(second.containers, first.containers, 'equal copies of every source: the previous list');
    assert.equal(second.usage.get(webApp.id)?.cpuUsageCoreNanoSeconds, 1_500_000_007, 'the usage is this poll\'s');
    assert.equal(first.usage.get(webApp.id)?.cpuUsageCoreNanoSeconds, 1_500_000_000, 'and the previous snapshot keeps its own');
    assert.equal(second.pods, first.pods, 'and the previous pods');
  });

  it('keeps the unchanged pods when one pod changes, and its labels when only their order did', () => {
    const first = buildSnapshot(fresh(), ctx);
    const r = fresh();
    const sandboxes = r.sandboxes.map((s) => (s.name === 'db-0' ? { ...s, state: 'notready' as const } : { ...s, labels: Object.fromEntries(Object.entries(s.labels).reverse()) }));
    const second = buildSnapshot({ ...r, sandboxes }, { ...ctx, seq: 8, previous: first });
    assert.notEqual(second.pods, first.pods);
    const byName = (s: typeof first, name: string) => s.pods.find((p) => p.name === name);
    assert.equal(byName(second, 'db-0')?.state, 'notready');
    assert.equal(byName(second, 'web-7d9f8-abcde'), byName(first, 'web-7d9f8-abcde'), 'equal but for label order: the previous pod');
    assert.deepEqual(second.pods.map((p) => p.name), first.pods.map((p) => p.name));
  });

  it('keeps the list when this poll hands over the very same rows', () => {
    const r = fresh();
    const first = buildSnapshot(r, ctx);
    const second = buildSnapshot({ ...r, containerUsage: fresh().containerUsage }, { ...ctx, seq: 8, previous: first });
    assert.equal(second.containers, first.containers);
  });

  it('shares the previous labels, pod and runtime with a container that changed', () => {
    const first = buildSnapshot(fresh(), ctx);
    const r = fresh();
    const restarted = r.containers.map((c) => (c.id === webApp.id ? { ...c, createdAt: c.createdAt + 1 } : c));
    const second = buildSnapshot({ ...r, containers: restarted }, { ...ctx, seq: 8, previous: first });
    assert.notEqual(second.containers, first.containers, 'a new list: one container changed');
    const [a, b] = [first, second].map((s) => s.containers.find((c) => c.id === webApp.id));
    assert.ok(a && b);
    assert.notEqual(a, b);
    assert.equal(b.createdAt, (a.createdAt) + 1);
    assert.equal(b.labels, a.labels);
    assert.equal(b.pod, a.pod);
    assert.equal(b.runtime, a.runtime);
    assert.equal(b.writableLayer, a.writableLayer);
    const other = (s: typeof first) => s.containers.find((c) => c.id === dbMain.id);
    assert.equal(other(second), other(first), 'the unchanged containers are the previous ones');
  });

  it('builds a container anew when only what the stats give of it changed (CRI-O\'s writable layer)', () => {
    const r = pollResults();
    const crio = (mountpoint: string) => ({
      ...r,
      runtime: { ...r.runtime, type: 'cri-o', name: 'cri-o' },
      details: new Map(),
      containerUsage: [{ id: webApp.id, timestamp: 1, writableLayer: { mountpoint } }],
      writableLayerFromStats: crioLayerFromStats,
    });
    const first = buildSnapshot(crio('/var/lib/containers/storage/overlay/a/merged'), ctx);
    const same = buildSnapshot(crio('/var/lib/containers/storage/overlay/a/merged'), { ...ctx, seq: 8, previous: first });
    assert.equal(same.containers, first.containers, 'the same rows and an equal layer: the previous list');
    const moved = buildSnapshot(crio('/var/lib/containers/storage/overlay/b/merged'), { ...ctx, seq: 9, previous: same });
    const layer = (s: typeof first) => s.containers.find((c) => c.id === webApp.id)?.writableLayer.mergedDir;
    assert.equal(layer(moved), '/var/lib/containers/storage/overlay/b/merged');
    assert.equal(moved.containers.find((c) => c.id === dbMain.id), first.containers.find((c) => c.id === dbMain.id));
  });

  it('lists a new container in its place and keeps the others', () => {
    const first = buildSnapshot(fresh({ containers: [webApp, dbMain] }), ctx);
    const second = buildSnapshot(fresh({ containers: [webApp, dbMain, webSidecar] }), { ...ctx, seq: 8, previous: first });
    assert.deepEqual(second.containers.map((c) => c.name), ['postgres', 'app', 'proxy']);
    assert.equal(second.containers[0], first.containers[0]);
    assert.equal(second.containers[1], first.containers[1]);
    const third = buildSnapshot(fresh({ containers: [webApp, webSidecar] }), { ...ctx, seq: 9, previous: second });
    assert.deepEqual(third.containers.map((c) => c.name), ['app', 'proxy'], 'one gone: a new list, though every container is kept');
  });

  it('takes the new value when labels, pod labels or the runtime version changed', () => {
    const first = buildSnapshot(fresh(), ctx);
    const r = fresh();
    const relabelled = r.containers.map((c) => (c.id === webApp.id ? { ...c, labels: { ...c.labels, extra: 'x' } } : c));
    const sandboxes = r.sandboxes.map((s) => ({ ...s, labels: { ...s.labels, tier: 'back' } }));
    const second = buildSnapshot({ ...r, containers: relabelled, sandboxes, runtime: { ...r.runtime, version: '1.7.0' } }, { ...ctx, previous: first });
    const [a, b] = [first, second].map((s) => s.containers.find((c) => c.id === webApp.id));
    assert.equal(b?.labels.extra, 'x');
    assert.notEqual(b?.labels, a?.labels);
    assert.equal(b?.pod.labels.tier, 'back');
    assert.equal(b?.runtime.version, '1.7.0');
    assert.equal(second.pods.find((p) => p.name === 'web-7d9f8-abcde')?.labels.tier, 'back');
  });

  it('does not take a label map with one key fewer as equal', () => {
    const first = buildSnapshot(fresh(), ctx);
    const r = fresh();
    const sandboxes = r.sandboxes.map((s) => ({ ...s, labels: s.name === 'web-7d9f8-abcde' ? { app: 'web' } : s.labels }));
    const second = buildSnapshot({ ...r, sandboxes }, { ...ctx, previous: first });
    assert.deepEqual(second.pods.find((p) => p.name === 'web-7d9f8-abcde')?.labels, { app: 'web' });
  });
});

describe('departed containers', () => {
  const first = buildSnapshot(pollResults(), { seq: 1, now: 1000, lastSuccessAt: 0 });
  const withoutApp = pollResults({ containers: pollResults().containers.filter((c) => c.id !== webApp.id) });

  it('keeps a removed container for the grace period, then drops it', () => {
    const second = buildSnapshot(withoutApp, { seq: 2, now: 1010, lastSuccessAt: 1000, previous: first, removedGraceSeconds: 60 });
    assert.deepEqual(second.departed.map((d) => [d.container.id, d.removedAt]), [[webApp.id, 1010]]);
    const third = buildSnapshot(withoutApp, { seq: 3, now: 1069, lastSuccessAt: 1010, previous: second, removedGraceSeconds: 60 });
    assert.equal(third.departed.length, 1, 'still within grace');
    const fourth = buildSnapshot(withoutApp, { seq: 4, now: 1070, lastSuccessAt: 1069, previous: third, removedGraceSeconds: 60 });
    assert.equal(fourth.departed.length, 0, 'grace over');
  });

  it('forgets a departed container that comes back, and keeps none without grace', () => {
    const second = buildSnapshot(withoutApp, { seq: 2, now: 1010, lastSuccessAt: 1000, previous: first, removedGraceSeconds: 60 });
    const back = buildSnapshot(pollResults(), { seq: 3, now: 1020, lastSuccessAt: 1010, previous: second, removedGraceSeconds: 60 });
    assert.equal(back.departed.length, 0);
    assert.equal(buildSnapshot(withoutApp, { seq: 2, now: 1010, lastSuccessAt: 1000, previous: first }).departed.length, 0);
  });
});
