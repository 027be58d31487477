// Relative log paths made absolute from the sandbox's log directory, asked
// once per sandbox; and the detail cache's retry of enrichments that asked
// for it, without another CRI call.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { CriCallError } from '../../src/cri/errors.js';
import { logDirectoryFromInfo, toPodSandboxDetail } from '../../src/cri/convert.js';
import type { RuntimeSource } from '../../src/cri/source.js';
import type { ContainerDetail, ContainerSummary, PodSandboxDetail } from '../../src/cri/types.js';
import { DetailCache } from '../../src/poller/details.js';
import { kubeletLayout, SandboxLogDirs } from '../../src/poller/log-paths.js';
import type { Enrichment } from '../../src/runtimes/enrich.js';

const UID = '11111111-2222-4333-8444-555555555555';

function summary(id: string, sandboxId: string, labels: Record<string, string> = {
  'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': UID,
}): ContainerSummary {
  return { id, sandboxId, name: id, attempt: 0, image: '', imageRef: '', state: 'running', createdAt: 1, labels };
}

interface Counting {
  source: RuntimeSource;
  calls: Map<string, number>;
}

/** A RuntimeSource answering ContainerStatus and PodSandboxStatus only, counting calls. */
function fakeSource(logPathOf: (id: string) => string, sandbox: (id: string) => Promise<PodSandboxDetail>): Counting {
  const calls = new Map<string, number>();
  const count = (m: string) => calls.set(m, (calls.get(m) ?? 0) + 1);
  const unused = () => Promise.reject(new Error('not used by these tests'));
  const source: RuntimeSource = {
    apiVersion: 'v1',
    version: unused, status: unused, listPodSandboxes: unused, listContainers: unused, listContainerStats: unused,
    listPodSandboxStats: unused, imageFsInfo: unused, listImages: unused,
    resetNegotiation: () => undefined,
    takeReconnect: () => false,
    containerStatus: async (id) => {
      count('ContainerStatus');
      const d: ContainerDetail = {
        id, state: 'running', startedAt: 1, finishedAt: 0, exitCode: 0, reason: '', logPath: logPathOf(id), image: '', imageRef: '',
        info: { info: `{"id":"${id}"}` },
      };
      return d;
    },
    podSandboxStatus: async (id) => {
      count('PodSandboxStatus');
      return sandbox(id);
    },
  };
  return { source, calls };
}

const sandboxWithDir = async (id: string): Promise<PodSandboxDetail> =>
  ({ id, name: 'web', namespace: 'shop', uid: UID, logDirectory: '/data/kubelet-logs/shop_web_' + UID });

describe('SandboxLogDirs', () => {
  it('keeps absolute paths as they are, without asking anything', async () => {
    const { source, calls } = fakeSource(() => '', sandboxWithDir);
    const dirs = new SandboxLogDirs();
    assert.equal(await dirs.resolve(source, summary('a', 's1'), '/var/log/pods/x/a/0.log'), '/var/log/pods/x/a/0.log');
    assert.equal(await dirs.resolve(source, summary('a', 's1'), ''), '');
    assert.equal(calls.size, 0);
  });

  it('joins a relative path to the sandbox\'s log directory, asked once per sandbox even when asked concurrently', async () => {
    const { source, calls } = fakeSource(() => '', sandboxWithDir);
    const dirs = new SandboxLogDirs();
    const paths = await Promise.all(['a', 'b'].map((id) => dirs.resolve(source, summary(id, 's1'), `${id}/0.log`)));
    assert.deepEqual(paths, [`/data/kubelet-logs/shop_web_${UID}/a/0.log`, `/data/kubelet-logs/shop_web_${UID}/b/0.log`]);
    assert.equal(await dirs.resolve(source, summary('c', 's1'), 'c/1.log'), `/data/kubelet-logs/shop_web_${UID}/c/1.log`);
    assert.equal(calls.get('PodSandboxStatus'), 1);
    dirs.retain(new Set());
    assert.equal(dirs.size, 0, 'forgets sandboxes that are gone');
  });

  it('uses the kubelet layout when the runtime does not say where the pod logs', async () => {
    const { source } = fakeSource(() => '', async (id) => ({ id, name: 'db-0', namespace: 'data', uid: 'u-1', logDirectory: '' }));
    assert.equal(await new SandboxLogDirs().resolve(source, summary('a', 's2', {}), 'a/0.log'), '/var/log/pods/data_db-0_u-1/a/0.log');
  });

  it('falls back to the container\'s pod labels when PodSandboxStatus fails, and asks again next time', async () => {
    let fail = true;
    const { source, calls } = fakeSource(() => '', async (id) => {
      if (fail) throw new CriCallError('PodSandboxStatus', 'unix:///x.sock', 'DEADLINE_EXCEEDED', 'deadline');
      return sandboxWithDir(id);
    });
    const dirs = new SandboxLogDirs();
    assert.equal(await dirs.resolve(source, summary('a', 's3'), 'a/0.log'), `/var/log/pods/shop_web_${UID}/a/0.log`);
    fail = false;
    assert.equal(await dirs.resolve(source, summary('b', 's3'), 'b/0.log'), `/data/kubelet-logs/shop_web_${UID}/b/0.log`);
    assert.equal(calls.get('PodSandboxStatus'), 2);
  });

  it('gives up with \'\' rather than report a relative path', async () => {
    const { source } = fakeSource(() => '', () => Promise.reject(new Error('down')));
    assert.equal(await new SandboxLogDirs().resolve(source, summary('a', 's4', {}), 'a/0.log'), '');
    assert.equal(kubeletLayout({ namespace: 'ns', name: '', uid: 'u' }), '');
  });
});

describe('log directory in verbose sandbox info', () => {
  it('reads containerd\'s sandbox config (recorded from a real containerd)', async () => {
    const raw = JSON.parse(await readFile(new URL('../fixtures/containerd/sandbox-status.json', import.meta.url), 'utf8')) as unknown;
    const d = toPodSandboxDetail(raw);
    assert.equal(d.logDirectory, `/var/log/pods/shop_web_${UID}`);
    assert.deepEqual([d.namespace, d.name, d.uid], ['shop', 'web', UID]);
  });

  it('reads CRI-O\'s sandbox log file annotation, and nothing from garbage', () => {
    const crio = { info: JSON.stringify({ pid: 1, runtimeSpec: { annotations: { 'io.kubernetes.cri-o.LogPath': `/var/log/pods/shop_web_${UID}/0123abcd.log` } } }) };
    assert.equal(logDirectoryFromInfo(crio), `/var/log/pods/shop_web_${UID}`);
    for (const info of [{}, { info: '{' }, { info: '{"config":{"log_directory":"relative/dir"}}' }, { info: '"x"' }] as Record<string, string>[]) {
      assert.equal(logDirectoryFromInfo(info), '', JSON.stringify(info));
    }
  });
});

describe('DetailCache', () => {
  it('resolves relative log paths once, and makes no calls in steady state', async () => {
    const { source, calls } = fakeSource((id) => `${id}/0.log`, sandboxWithDir);
    const cache = new DetailCache();
    const listed = [summary('a', 's1'), summary('b', 's1')];
    const enrich = (): Enrichment => ({ cgroupPath: '' });
    const first = await cache.refresh(source, listed, enrich);
    assert.equal(first.details.get('a')?.detail.logPath, `/data/kubelet-logs/shop_web_${UID}/a/0.log`);
    await cache.refresh(source, listed, enrich);
    assert.deepEqual(Object.fromEntries(calls), { ContainerStatus: 2, PodSandboxStatus: 1 });
  });

  it('asks an adapter again, with the kept verbose info, when its enrichment asked for it — no CRI call', async () => {
    const { source, calls } = fakeSource(() => '/abs/a.log', sandboxWithDir);
    let now = 0;
    const cache = new DetailCache({ retryEnrichMs: 1000, now: () => now });
    const seen: string[] = [];
    let ready = false;
    const enrich = (d: ContainerDetail): Enrichment => {
      seen.push(d.info.info ?? '');
      return { cgroupPath: '', retry: !ready };
    };
    await cache.refresh(source, [summary('a', 's1')], enrich);
    now = 500;
    await cache.refresh(source, [summary('a', 's1')], enrich);
    assert.equal(seen.length, 1, 'not before the retry interval');
    now = 1000;
    await cache.refresh(source, [summary('a', 's1')], enrich);
    assert.equal(seen.length, 2, 'retried after it');
    now = 2500;
    await cache.refresh(source, [summary('a', 's1')], enrich);
    assert.equal(seen.length, 2, 'the wait doubles while the answer stays provisional');
    ready = true;
    now = 3000;
    const r = await cache.refresh(source, [summary('a', 's1')], enrich);
    assert.deepEqual(seen, ['{"id":"a"}', '{"id":"a"}', '{"id":"a"}']);
    assert.equal(r.details.get('a')?.enrichment.retry, false);
    now = 60_000;
    await cache.refresh(source, [summary('a', 's1')], enrich);
    assert.equal(seen.length, 3, 'a final enrichment is kept');
    assert.equal(calls.get('ContainerStatus'), 1);
    assert.deepEqual(r.details.get('a')?.detail.info, {}, 'verbose info is dropped once final');
  });

  it('serves the same details while nothing changed, and follows each change', async () => {
    const { source, calls } = fakeSource((id) => `/abs/${id}.log`, sandboxWithDir);
    const cache = new DetailCache();
    const enrich = (): Enrichment => ({ cgroupPath: '' });
    const first = await cache.refresh(source, [summary('a', 's1'), summary('b', 's1')], enrich);
    const again = await cache.refresh(source, [summary('b', 's1'), summary('a', 's1')], enrich);
    assert.equal(again.details, first.details, 'the same map, whatever the listing order');
    assert.deepEqual(again.failures, []);
    assert.equal(calls.get('ContainerStatus'), 2);

    const exited = await cache.refresh(source, [summary('a', 's1'), { ...summary('b', 's1'), state: 'exited' }], enrich);
    assert.notEqual(exited.details, first.details);
    assert.equal(calls.get('ContainerStatus'), 3, 'asked again for the container whose state changed');
    const gone = await cache.refresh(source, [summary('a', 's1')], enrich);
    assert.deepEqual([...gone.details.keys()], ['a'], 'a container no longer listed is dropped');
    const swapped = await cache.refresh(source, [summary('c', 's1')], enrich);
    assert.deepEqual([...swapped.details.keys()], ['c'], 'as many listed as known, but another one');
    assert.equal(calls.get('ContainerStatus'), 4);
  });
});
