// Log discovery end to end: the agent on a REAL containerd, read by a REAL
// Prometheus through http_sd_configs; the kubelet's log rotation reproduced
// on the real log files; --removed-grace on a really removed container; and
// /api/v1/watch following real containers as they start and go.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startContainerd, type Containerd } from './harness/containerd.js';
import { e2eSkip } from './harness/preconditions.js';
import { connectRuntime, removeContainer, runPod, type RunningPod, type RuntimeClient } from './harness/pods.js';
import { parseSamples, startAgent, waitUntil, type Agent, type ApiContainer } from './harness/agent.js';
import { startPrometheus, type Prometheus } from './harness/prometheus.js';
import { rotateLikeKubelet } from './harness/rotate.js';
import { decodeHttpSd, type Group } from '../fixtures/http-sd.js';
import { openSse, type ReceivedEvent } from '../fixtures/sse-client.js';

const skip = e2eSkip('log discovery', ['containerd', 'runc', 'ctr', 'prometheus']);

const POLL_MS = 1000;
const GRACE_S = 3;
const ticker = (name: string) => ['sh', '-c', `while true; do echo "tick from ${name}"; sleep 1; done`];

describe('log discovery on a real containerd', { skip }, () => {
  let cd: Containerd;
  let cri: RuntimeClient;
  let agent: Agent;
  let prom: Prometheus | undefined;
  const pods: RunningPod[] = [];

  before(async () => {
    cd = await startContainerd();
    cri = connectRuntime(cd.endpoint);
    pods.push(await runPod(cri, {
      name: 'shop', namespace: 'disco', uid: '00000000-0000-4000-b000-000000000001', logDir: cd.logDir,
      labels: { app: 'shop', 'app.kubernetes.io/part-of': 'store' }, containers: [{ name: 'web', command: ticker('web') }, { name: 'proxy', command: ticker('proxy') }],
    }));
    pods.push(await runPod(cri, {
      name: 'db', namespace: 'disco', uid: '00000000-0000-4000-b000-000000000002', logDir: cd.logDir,
      labels: { app: 'db' }, containers: [{ name: 'main', command: ticker('db') }],
    }));
    agent = await startAgent(['--runtime-endpoint', cd.endpoint, '--poll-interval', `${POLL_MS}ms`, '--node-name', 'e2e-node', '--removed-grace', `${GRACE_S}s`]);
    await waitUntil(async () => (await containers()).filter((c) => c.logPath !== '').length === 3, 30_000, () => `containers not listed:\n${agent.output()}`);
  });

  after(async () => {
    await prom?.stop();
    await agent?.stop();
    cri?.close();
    await cd?.stop();
  });

  const containers = () => agent.json<ApiContainer[]>('/api/v1/containers');
  const discovered = async (query = ''): Promise<Group[]> => {
    const res = await agent.get(`/api/v1/discovery/logs${query}`);
    assert.equal(res.status, 200);
    return decodeHttpSd(await res.text());
  };

  it('is read by a real Prometheus through http_sd_configs: one target per log file, no SD failure', async () => {
    const agentAddress = agent.url.replace('http://', '');
    prom = await startPrometheus({
      scrapeConfigs: [{
        job_name: 'container-logs',
        scrape_interval: '5s',
        http_sd_configs: [{ url: `${agent.url}/api/v1/discovery/logs`, refresh_interval: '1s' }],
        // Scrape nothing but the agent itself (loopback), one target per file,
        // told apart by their path.
        relabel_configs: [
          { source_labels: ['__path__'], target_label: 'path' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          { target_label: '__address__', replacement: agentAddress },
        ],
      }],
    });
    const expected = (await containers()).map((c) => c.logPath).sort();
    assert.equal(expected.length, 3);
    assert.ok((await discovered()).every((g) => g.targets.length === 1 && g.targets[0] === 'e2e-node'), 'the node name is the target');
    const targets = await prom.waitFor(async () => {
      const t = (await prom?.targets('any'))?.activeTargets.filter((a) => a.scrapePool === 'container-logs') ?? [];
      return t.length === expected.length ? t : undefined;
    }, 30_000, 'three discovered targets');
    assert.deepEqual(targets.map((t) => t.discoveredLabels.__path__).sort(), expected);
    const byId = new Map((await containers()).map((c) => [c.logPath, c]));
    for (const t of targets) {
      const c = byId.get(t.discoveredLabels.__path__ ?? '');
      assert.ok(c, `target for ${t.discoveredLabels.__path__}`);
      assert.equal(t.discoveredLabels.__meta_kubernetes_pod_container_id, `containerd://${c.id}`);
      assert.equal(t.discoveredLabels.__meta_kubernetes_pod_container_name, c.name);
      assert.equal(t.discoveredLabels.__meta_kubernetes_namespace, 'disco');
      assert.equal(t.discoveredLabels.__meta_kubernetes_pod_node_name, 'e2e-node');
      assert.equal(t.discoveredLabels.__meta_cri_log_format, 'cri');
      assert.equal(t.labels.path, c.logPath);
      assert.ok((await stat(c.logPath)).isFile());
    }
    const shop = targets.find((t) => t.labels.pod === 'shop');
    assert.equal(shop?.discoveredLabels.__meta_kubernetes_pod_label_app_kubernetes_io_part_of, 'store');

    // Several refreshes later, Prometheus's own counters show no failed one.
    const sdMetrics = async () => {
      const text = await (await fetch(`${prom?.url}/metrics`)).text();
      const refreshes = parseSamples(text, 'prometheus_sd_refresh_duration_seconds_count').find((s) => s.labels.mechanism === 'http')?.value ?? 0;
      const failures = parseSamples(text, 'prometheus_sd_http_failures_total');
      return { refreshes, failures };
    };
    const settled = await prom.waitFor(async () => {
      const m = await sdMetrics();
      return m.refreshes >= 3 ? m : undefined;
    }, 20_000, 'three http_sd refreshes');
    assert.ok(settled.failures.length > 0, 'prometheus_sd_http_failures_total is exposed');
    assert.deepEqual(settled.failures.map((s) => s.value), settled.failures.map(() => 0));
  });

  it('lists the files the kubelet\'s rotation leaves, with rotated=true', async () => {
    const web = (await containers()).find((c) => c.name === 'web');
    assert.ok(web);
    const log = web.logPath;
    // The kubelet's rotation: rename the live file to <log>.<YYYYMMDD-hhmmss>
    // and have the runtime reopen <log>; older rotations are gzipped (the
    // .gz.tmp is one being written, not a log to read).
    const rotated = await rotateLikeKubelet(cd.endpoint, web.id, log, '20240101-120000');
    await writeFile(`${log}.20240101-110000.gz`, gzipSync('2024-01-01T11:00:00Z stdout F older\n'));
    await writeFile(`${log}.20240101-130000.gz.tmp`, '');
    await waitUntil(async () => (await readFile(log, 'utf8').catch(() => '')).includes('tick from web'), 10_000,
      () => `${log} not reopened and written by containerd`);
    assert.match(await readFile(rotated, 'utf8'), /tick from web/);

    const expected = [[log, 'false'], [`${log}.20240101-110000.gz`, 'true'], [`${log}.20240101-120000`, 'true']];
    await waitUntil(async () => {
      const groups = await discovered(`?container=web&rotated=true`);
      return JSON.stringify(groups.map((g) => [g.labels.__path__, g.labels.__meta_cri_rotated])) === JSON.stringify(expected);
    }, 10_000, () => 'rotated files not listed');
    const plain = await discovered('?container=web');
    assert.deepEqual(plain.map((g) => g.labels.__path__), [log]);
    const moved = await discovered('?container=web&rotated=true&pathPrefix=/host');
    assert.deepEqual(moved.map((g) => g.labels.__path__), expected.map(([p]) => `/host${p}`));
  });

  it(`keeps a removed container listed for --removed-grace ${GRACE_S}s, then drops it`, async () => {
    const db = (await containers()).find((c) => c.pod.name === 'db');
    assert.ok(db);
    const listedIds = async () => (await discovered()).map((g) => g.labels.__meta_cri_container_id);
    await removeContainer(cri, db.id);
    const removedAt = Date.now();
    await waitUntil(async () => !(await containers()).some((c) => c.id === db.id), 10_000, () => 'removal not polled');
    const during = (await discovered()).find((g) => g.labels.__meta_cri_container_id === db.id);
    assert.ok(during, 'still discoverable right after removal');
    assert.equal(during.labels.__meta_cri_state, 'exited');
    assert.equal(during.labels.__path__, db.logPath);
    await waitUntil(async () => !(await listedIds()).includes(db.id), (GRACE_S + 10) * 1000, () => 'not dropped after the grace period');
    const listedFor = (Date.now() - removedAt) / 1000;
    assert.ok(listedFor >= GRACE_S - POLL_MS / 1000, `listed for ${listedFor}s after removal`);
  });

  it('streams added within a poll of a real container starting, and removed after it is removed', async () => {
    const watch = await openSse(`${agent.url}/api/v1/watch`);
    try {
      await watch.waitFor((e) => e.id !== undefined, 10_000, 'the starting state');
      const from = watch.events.length;
      const pod = await runPod(cri, {
        name: 'late', namespace: 'disco', uid: '00000000-0000-4000-b000-000000000003', logDir: cd.logDir,
        containers: [{ name: 'main', command: ticker('late') }],
      });
      const started = Date.now();
      const id = pod.containerIds.main as string;
      const isFor = (type: string) => (e: ReceivedEvent) => e.event === type && (JSON.parse(e.data) as { id: string }).id === id;
      const added = await watch.waitFor(isFor('added'), POLL_MS + 2000, 'added for the new container', from);
      const latency = Date.now() - started;
      // One poll interval, plus the poll's own duration (ContainerStatus for the new container).
      assert.ok(latency <= POLL_MS + 1500, `added after ${latency} ms`);
      assert.ok(added.id);
      await removeContainer(cri, id);
      const removed = await watch.waitFor(isFor('removed'), POLL_MS + 5000, 'removed for the container', from);
      assert.ok(Number(removed.id?.split('-')[1]) > Number(added.id?.split('-')[1]));
    } finally {
      watch.close();
    }
  });
});
