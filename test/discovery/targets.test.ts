import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidates, containerLabels, directoriesToRead, logTargetGroups, sanitizeLabelName, type DirListing } from '../../src/discovery/targets.js';
import { buildSnapshot } from '../../src/poller/build.js';
import type { Container } from '../../src/poller/snapshot.js';
import { dbMain, pollResults, webApp, webSidecarOld, WEB_UID } from '../fixtures/poll-results.js';
import { LABEL_NAME } from '../fixtures/http-sd.js';

const first = buildSnapshot(pollResults(), { seq: 1, now: 1000, lastSuccessAt: 0 });
const withoutDb = buildSnapshot(pollResults({ containers: pollResults().containers.filter((c) => c.id !== dbMain.id) }), {
  seq: 2, now: 1010, lastSuccessAt: 1000, previous: first, removedGraceSeconds: 60,
});
const noListing = { nodeName: 'node-a', rotated: false, pathPrefix: '', listing: () => undefined };
const app = first.containers.find((c) => c.id === webApp.id) as Container;

describe('sanitizeLabelName', () => {
  const cases: [string, string][] = [
    ['app', 'app'],
    ['app.kubernetes.io/name', 'app_kubernetes_io_name'],
    ['pod-template-hash', 'pod_template_hash'],
    ['9lives', '9lives'],
    ['naïve', 'na_ve'],
    ['emoji😀x', 'emoji_x'],
  ];
  for (const [input, expected] of cases) it(`${input} → ${expected}`, () => assert.equal(sanitizeLabelName(input), expected));
});

describe('containerLabels', () => {
  it('carries the Kubernetes SD names and the CRI ones, all valid, all strings', () => {
    const labels = containerLabels(app, 'node-a');
    assert.deepEqual(labels, {
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_pod_name: 'web-7d9f8-abcde',
      __meta_kubernetes_pod_uid: WEB_UID,
      __meta_kubernetes_pod_container_name: 'app',
      __meta_kubernetes_pod_container_id: `containerd://${webApp.id}`,
      __meta_kubernetes_pod_node_name: 'node-a',
      __meta_kubernetes_pod_label_app: 'web',
      __meta_kubernetes_pod_labelpresent_app: 'true',
      __meta_kubernetes_pod_label_tier: 'front',
      __meta_kubernetes_pod_labelpresent_tier: 'true',
      __meta_cri_container_id: webApp.id,
      __meta_cri_attempt: '0',
      __meta_cri_state: 'running',
      __meta_cri_runtime: 'containerd',
      __meta_cri_log_format: 'cri',
    });
  });

  it('sanitises pod label names, skips the kubelet\'s own sandbox labels, and resolves collisions by sorted key', () => {
    const pod = {
      ...app.pod,
      labels: { 'io.kubernetes.pod.name': 'x', 'app.kubernetes.io/name': 'web', 'app_kubernetes_io/name': 'other', 'helm.sh/chart': 'web-1.0' },
    };
    const labels = containerLabels({ ...app, pod }, 'n');
    for (const name of Object.keys(labels)) assert.match(name, LABEL_NAME);
    assert.equal(labels.__meta_kubernetes_pod_label_app_kubernetes_io_name, 'web', 'first of the colliding keys in sorted order');
    assert.equal(labels.__meta_kubernetes_pod_label_helm_sh_chart, 'web-1.0');
    assert.ok(!Object.keys(labels).some((k) => k.includes('io_kubernetes_pod')));
  });

  it('writes the container ID the way the kubelet does for each runtime', () => {
    for (const runtime of ['containerd', 'cri-o', 'docker']) {
      const labels = containerLabels({ ...app, runtime: { name: runtime, version: '1' } }, 'n');
      assert.equal(labels.__meta_kubernetes_pod_container_id, `${runtime}://${webApp.id}`);
      assert.equal(labels.__meta_cri_runtime, runtime);
    }
  });
});

describe('candidates', () => {
  it('adds departed containers after the live ones, reported exited', () => {
    const list = candidates(withoutDb);
    assert.deepEqual(list.map((c) => [c.container.id, c.departed, c.container.state]), [
      [webApp.id, false, 'running'], [webSidecarOld.id, false, 'exited'], ['a3'.repeat(32), false, 'running'], [dbMain.id, true, 'exited'],
    ]);
  });

  it('skips containers without a log path', () => {
    const bare = buildSnapshot(pollResults({ details: new Map() }), { seq: 1, now: 1, lastSuccessAt: 0 });
    assert.deepEqual(candidates(bare), []);
  });
});

describe('logTargetGroups', () => {
  it('keeps every label of a file but the state when its container departs', () => {
    const live = logTargetGroups(candidates(first), noListing).find((g) => g.labels.__meta_cri_container_id === dbMain.id);
    const gone = logTargetGroups(candidates(withoutDb), noListing).find((g) => g.labels.__meta_cri_container_id === dbMain.id);
    assert.ok(live && gone);
    assert.deepEqual({ ...gone.labels, __meta_cri_state: 'running' }, live.labels);
    assert.equal(gone.labels.__meta_cri_state, 'exited');
  });

  it('drops a departed container\'s file once its directory shows it gone, never a live one\'s', () => {
    const dbDir = `/var/log/pods/data_db-0_${dbMain.labels['io.kubernetes.pod.uid']}/postgres`;
    assert.deepEqual(directoriesToRead(candidates(withoutDb), false), [dbDir]);
    const empty: DirListing = { kind: 'listed', names: new Set() };
    const ids = (listing: DirListing | undefined) => logTargetGroups(candidates(withoutDb), { ...noListing, listing: () => listing })
      .map((g) => g.labels.__meta_cri_container_id);
    assert.ok(ids(empty).every((id) => id !== dbMain.id));
    assert.equal(ids(empty).length, 3, 'live files are listed even if the directory looks empty (rotation in progress)');
    assert.ok(ids({ kind: 'missing' }).every((id) => id !== dbMain.id));
    assert.ok(ids({ kind: 'unreadable', message: 'EACCES' }).includes(dbMain.id), 'cannot tell: keep it');
    assert.ok(ids({ kind: 'listed', names: new Set(['0.log']) }).includes(dbMain.id));
  });

  it('prefers the live container when a departed one names the same file', () => {
    const twin = { ...app, id: 'f'.repeat(64), state: 'exited' as const };
    const groups = logTargetGroups([{ container: twin, departed: true }, { container: app, departed: false }], noListing);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.labels.__meta_cri_container_id, app.id);
  });

  it('orders groups the same whatever order the containers come in', () => {
    const list = candidates(withoutDb);
    const a = JSON.stringify(logTargetGroups(list, noListing));
    const b = JSON.stringify(logTargetGroups([...list].reverse(), noListing));
    assert.equal(a, b);
  });

  it('lists rotated siblings after the live file and prefixes every path', () => {
    const listing: DirListing = { kind: 'listed', names: new Set(['0.log', '0.log.20240101-120000', '0.log.20231231-000000.gz', '0.log.20240101-130000.gz.tmp']) };
    const groups = logTargetGroups([{ container: app, departed: false }], { ...noListing, rotated: true, pathPrefix: '/host', listing: () => listing });
    const dir = `/host/var/log/pods/shop_web-7d9f8-abcde_${WEB_UID}/app`;
    assert.deepEqual(groups.map((g) => [g.labels.__path__, g.labels.__meta_cri_rotated]), [
      [`${dir}/0.log`, 'false'], [`${dir}/0.log.20231231-000000.gz`, 'true'], [`${dir}/0.log.20240101-120000`, 'true'],
    ]);
  });

  it('never answers with an empty target', () => {
    const [group] = logTargetGroups([{ container: app, departed: false }], { ...noListing, nodeName: '' });
    assert.deepEqual(group?.targets, ['localhost']);
  });
});
