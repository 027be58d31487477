// cAdvisor parity against a REAL containerd with pods in their own network
// namespaces on the harness's isolated CNI bridge: the cgroup- and
// netns-based families must move with what the containers do, agree with the
// kernel's files read directly by the test, and serve the kubernetes-mixin's
// expressions through a REAL Prometheus scraping /metrics/cadvisor.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { readFile, realpath, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startContainerd, type Containerd } from './harness/containerd.js';
import { e2eSkip } from './harness/preconditions.js';
import { connectRuntime, criCall, runPod, type RunningPod, type RuntimeClient } from './harness/pods.js';
import { parseSamples, startAgent, waitUntil, type Agent } from './harness/agent.js';
import { startPrometheus, type Prometheus, type Sample } from './harness/prometheus.js';
import { checkMetrics } from './harness/promtool.js';

const skip = e2eSkip('cAdvisor parity', ['containerd', 'runc', 'ctr', 'prometheus', 'promtool']);

const NS = 'parity';
const NODE = 'parity-node';
const CGROUP_ROOT = '/sys/fs/cgroup';
const V2 = existsSync(join(CGROUP_ROOT, 'cgroup.controllers'));
const MiB = 1024 * 1024;
/** The long-running test containers, by pod. */
const CONTAINERS = { burner: 'burn', writer: 'write', pinger: 'ping' } as const;
type PodName = keyof typeof CONTAINERS;

// ---- the kernel's own numbers, read independently of the agent's code ----

function cgroupFile(rel: string, v1Controller: string, v1File: string, v2File: string): string {
  return V2 ? join(CGROUP_ROOT, rel, v2File) : join(CGROUP_ROOT, v1Controller, rel, v1File);
}

async function keyed(path: string, key: string): Promise<number> {
  const line = (await readFile(path, 'utf8')).split('\n').find((l) => l.startsWith(`${key} `));
  if (line === undefined) throw new Error(`${path} has no ${key}`);
  return Number(line.split(' ')[1]);
}

async function blkioWrites(rel: string, majorMinor: string): Promise<number> {
  if (V2) {
    const line = (await readFile(join(CGROUP_ROOT, rel, 'io.stat'), 'utf8')).split('\n').find((l) => l.startsWith(`${majorMinor} `));
    return Number(/wbytes=(\d+)/.exec(line ?? '')?.[1] ?? 0);
  }
  const text = await readFile(join(CGROUP_ROOT, 'blkio', rel, 'blkio.throttle.io_service_bytes_recursive'), 'utf8');
  return Number(new RegExp(`^${majorMinor} Write (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

async function netDev(pid: number, iface: string): Promise<{ rxPackets: number; txPackets: number }> {
  const line = (await readFile(`/proc/${pid}/net/dev`, 'utf8')).split('\n').find((l) => l.trim().startsWith(`${iface}:`));
  const f = (line ?? '').split(':')[1]?.trim().split(/\s+/).map(Number) ?? [];
  return { rxPackets: f[1] ?? NaN, txPackets: f[9] ?? NaN };
}

/** The whole disk (blk-throttle and blkio stats use it, not the partition) that holds `path`, as major:minor and /dev name. */
async function diskOf(path: string): Promise<{ majorMinor: string; device: string } | undefined> {
  const dev = statSync(path).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  if (major === 0) return undefined; // tmpfs, overlay: no block device
  let sys = await realpath(`/sys/dev/block/${major}:${dev & 0xff}`);
  if (existsSync(join(sys, 'partition'))) sys = dirname(sys);
  const uevent = await readFile(join(sys, 'uevent'), 'utf8');
  const field = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(uevent)?.[1];
  return { majorMinor: `${field('MAJOR')}:${field('MINOR')}`, device: `/dev/${field('DEVNAME')}` };
}

// ---- the agent's numbers ----

function value(text: string, family: string, match: Record<string, string>): number | undefined {
  return parseSamples(text, family).find((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v))?.value;
}

/** A counter that the agent reports within [file before, file after]: the same number, read at another moment. */
async function agreesWithCounter(what: string, fromAgent: () => Promise<number | undefined>, fromFile: () => Promise<number>): Promise<void> {
  const before = await fromFile();
  let seen: number | undefined;
  await waitUntil(async () => (seen = await fromAgent()) !== undefined && seen >= before, 20_000,
    () => `${what}: the agent's ${seen} never reached the file's ${before}`);
  const afterwards = await fromFile();
  assert.ok((seen as number) <= afterwards, `${what}: the agent's ${seen} is above the file's ${afterwards}`);
}

async function rises(what: string, fromAgent: () => Promise<number | undefined>): Promise<void> {
  let first: number | undefined;
  await waitUntil(async () => (first = await fromAgent()) !== undefined, 20_000, () => `${what}: no series`);
  let later: number | undefined;
  await waitUntil(async () => (later = await fromAgent()) !== undefined && later > (first as number), 20_000,
    () => `${what}: stayed at ${first} (last ${later})`);
}

/** Serves kube_pod_info for the test pods, as kube-state-metrics would, so the mixin's joins have their other side. */
async function startKubeStateStandIn(pods: readonly PodName[]): Promise<{ server: Server; target: string }> {
  const body = ['# HELP kube_pod_info Pod identity and placement (test stand-in for kube-state-metrics).', '# TYPE kube_pod_info gauge',
    ...pods.map((p) => `kube_pod_info{namespace="${NS}",pod="${p}",node="${NODE}"} 1`), ''].join('\n');
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('stand-in has no address');
  return { server, target: `127.0.0.1:${address.port}` };
}

describe('cAdvisor parity on a real containerd with pod network namespaces', { skip }, () => {
  let cd: Containerd;
  let cri: RuntimeClient;
  let agent: Agent;
  let prom: Prometheus;
  let ksm: Server;
  let disk: { majorMinor: string; device: string } | undefined;
  const pods = {} as Record<PodName, RunningPod>;
  const uid = (n: number) => `00000000-0000-4000-c000-00000000000${n}`;
  const idOf = (pod: PodName) => pods[pod].containerIds[CONTAINERS[pod]] as string;
  const relOf = (pod: PodName) => `${pods[pod].cgroupParent}/${idOf(pod)}`.replace(/^\//, '');
  const cadvisor = () => agent.metrics('/metrics/cadvisor');
  const ofContainer = (pod: PodName) => ({ namespace: NS, pod, container: CONTAINERS[pod] });

  before(async () => {
    cd = await startContainerd({ cniBridge: true });
    cri = connectRuntime(cd.endpoint);
    const common = { namespace: NS, logDir: cd.logDir, hostNetwork: false };
    // A busy loop under a tenth of a CPU: throttled in nearly every period.
    pods.burner = await runPod(cri, { ...common, name: 'burner', uid: uid(1), containers: [{ name: 'burn', command: ['sh', '-c', 'while :; do :; done'],
      resources: { cpuQuota: 10_000, cpuPeriod: 100_000, cpuShares: 102, memoryLimitInBytes: 64 * MiB } }] });
    const peer = (await criCall<{ status: { network: { ip: string } } }>(cri, 'podSandboxStatus', { podSandboxId: pods.burner.sandboxId })).status.network.ip;
    assert.match(peer, /^10\.244\.77\.\d+$/, 'the peer is on the isolated test bridge');
    // 20 MiB through the page cache, then small direct writes that reach the disk in the container's own name.
    pods.writer = await runPod(cri, { ...common, name: 'writer', uid: uid(2), containers: [{ name: 'write',
      command: ['sh', '-c', 'dd if=/dev/zero of=/tmp/f bs=1M count=20; sync; while :; do dd if=/dev/zero of=/tmp/d bs=64k count=16 oflag=direct; sleep 1; done'],
      resources: { cpuQuota: 100_000, cpuPeriod: 100_000, memoryLimitInBytes: 256 * MiB } }] });
    // Pings the burner pod across the bridge: both pods' eth0 counters move (a ping to its own address would stay on lo).
    pods.pinger = await runPod(cri, { ...common, name: 'pinger', uid: uid(3), containers: [{ name: 'ping', command: ['ping', peer],
      resources: { cpuQuota: 50_000, cpuPeriod: 100_000 } }] });
    disk = await diskOf(cd.root);
    if (disk && !V2) {
      // Recent kernels (seen on 6.18) fill cgroup v1 blkio throttle stats only on disks where blk-throttle is active:
      // a limit far above anything reachable turns it on for this (the test's own) cgroup.
      await writeFile(join(CGROUP_ROOT, 'blkio', relOf('writer'), 'blkio.throttle.write_bps_device'), `${disk.majorMinor} ${2 ** 40}`);
    }
    agent = await startAgent(['--runtime-endpoint', cd.endpoint, '--poll-interval', '1s', '--node-name', NODE]);
    const standIn = await startKubeStateStandIn(['burner', 'writer', 'pinger']);
    ksm = standIn.server;
    prom = await startPrometheus({
      scrapeConfigs: [
        // As kube-prometheus scrapes the kubelet's cAdvisor endpoint: honorLabels, and the path as a label.
        { job_name: 'kubelet', scrape_interval: '1s', metrics_path: '/metrics/cadvisor', honor_labels: true,
          static_configs: [{ targets: [agent.url.replace('http://', '')] }],
          relabel_configs: [{ source_labels: ['__metrics_path__'], target_label: 'metrics_path' }] },
        { job_name: 'kube-state-metrics', scrape_interval: '1s', honor_labels: true, static_configs: [{ targets: [standIn.target] }] },
      ],
    });
  });

  after(async () => {
    await prom?.stop();
    await new Promise((resolve) => (ksm ? ksm.close(resolve) : resolve(undefined)));
    await agent?.stop();
    cri?.close();
    await cd?.stop();
  });

  it('shows CFS throttling rising for the container over its quota, as cpu.stat says', async () => {
    const burn = ofContainer('burner');
    const cpuStat = cgroupFile(relOf('burner'), 'cpu', 'cpu.stat', 'cpu.stat');
    await rises('throttled periods', async () => value(await cadvisor(), 'container_cpu_cfs_throttled_periods_total', burn));
    await agreesWithCounter('throttled periods', async () => value(await cadvisor(), 'container_cpu_cfs_throttled_periods_total', burn), () => keyed(cpuStat, 'nr_throttled'));
    await agreesWithCounter('periods', async () => value(await cadvisor(), 'container_cpu_cfs_periods_total', burn), () => keyed(cpuStat, 'nr_periods'));
    const text = await cadvisor();
    assert.ok((value(text, 'container_cpu_cfs_throttled_seconds_total', burn) ?? 0) > 0, 'throttled time in seconds');
    assert.equal(value(text, 'container_spec_cpu_quota', burn), 10_000);
    assert.equal(value(text, 'container_spec_cpu_period', burn), 100_000);
    // On v2 the runtime writes cpu.weight, and shares come back from it rounded.
    if (V2) assert.ok((value(text, 'container_spec_cpu_shares', burn) ?? 0) > 0);
    else assert.equal(value(text, 'container_spec_cpu_shares', burn), 102);
    assert.equal(value(text, 'container_spec_memory_limit_bytes', burn), 64 * MiB);
    assert.equal(value(text, 'container_oom_events_total', burn), 0);
  });

  it('shows the written file in container_memory_cache, equal to memory.stat', async () => {
    const stat = cgroupFile(relOf('writer'), 'memory', 'memory.stat', 'memory.stat');
    const fromFile = () => keyed(stat, V2 ? 'file' : 'total_cache');
    let seen: number | undefined;
    let file = NaN;
    await waitUntil(async () => {
      seen = value(await cadvisor(), 'container_memory_cache', ofContainer('writer'));
      file = await fromFile();
      // Most of the 20 MiB written: the kernel may already have dropped or
      // recharged a few of the file's clean pages (19 of 20 MiB seen once).
      return seen === file && seen >= 16 * MiB;
    }, 20_000, () => `container_memory_cache ${seen} vs the file's ${file} (expected ≥ 16 MiB and equal)`);
    assert.ok(value(await cadvisor(), 'container_memory_mapped_file', ofContainer('writer')) !== undefined);
  });

  it('shows the direct writes rising in container_fs_writes_bytes_total on the /dev disk, as blkio says', async (t: TestContext) => {
    if (disk === undefined) return t.skip('the containerd root is on a filesystem without a block device (tmpfs): no block I/O to see');
    // Buffered writes do not count here on cgroup v1: v1 charges writeback to the root cgroup, hence the direct writes.
    const labels = { ...ofContainer('writer'), device: disk.device };
    await rises('bytes written', async () => value(await cadvisor(), 'container_fs_writes_bytes_total', labels));
    await agreesWithCounter('bytes written', async () => value(await cadvisor(), 'container_fs_writes_bytes_total', labels), () => blkioWrites(relOf('writer'), (disk as { majorMinor: string }).majorMinor));
    assert.ok((value(await cadvisor(), 'container_fs_writes_total', labels) ?? 0) > 0);
    assert.ok(value(await cadvisor(), 'container_fs_reads_bytes_total', labels) !== undefined);
  });

  it('shows packets rising on the pods\' eth0, as their network namespace says', async () => {
    const status = await criCall<{ info: Record<string, string> }>(cri, 'containerStatus', { containerId: idOf('pinger'), verbose: true });
    const pid = (JSON.parse(status.info.info ?? '{}') as { pid?: number }).pid as number;
    assert.ok(pid > 0, 'the ping process id from verbose ContainerStatus');
    const ofPod = (pod: PodName, family: string) => async () => value(await cadvisor(), family, { namespace: NS, pod, container: '', interface: 'eth0', name: pods[pod].sandboxId });
    await rises('pinger tx packets', ofPod('pinger', 'container_network_transmit_packets_total'));
    await rises('burner rx packets', ofPod('burner', 'container_network_receive_packets_total'));
    await agreesWithCounter('pinger rx packets', ofPod('pinger', 'container_network_receive_packets_total'), async () => (await netDev(pid, 'eth0')).rxPackets);
    await agreesWithCounter('pinger tx packets', ofPod('pinger', 'container_network_transmit_packets_total'), async () => (await netDev(pid, 'eth0')).txPackets);
    const text = await cadvisor();
    for (const family of ['container_network_receive_packets_dropped_total', 'container_network_transmit_packets_dropped_total']) {
      assert.ok(value(text, family, { pod: 'pinger', interface: 'eth0' }) !== undefined, family);
    }
    assert.ok(!parseSamples(text, 'container_network_receive_packets_total').some((s) => s.labels.interface === 'lo'), 'loopback left out, as cAdvisor does');
  });

  it('labels every new series as the kubelet does, and passes promtool', async () => {
    const text = await cadvisor();
    const base = ['id', 'name', 'image', 'pod', 'namespace', 'container', 'runtime'];
    const perContainer = ['container_memory_cache', 'container_memory_mapped_file', 'container_cpu_cfs_periods_total', 'container_cpu_cfs_throttled_periods_total',
      'container_cpu_cfs_throttled_seconds_total', 'container_oom_events_total', 'container_spec_cpu_quota', 'container_spec_cpu_period', 'container_spec_cpu_shares',
      'container_spec_memory_limit_bytes'];
    for (const family of perContainer) {
      for (const pod of Object.keys(CONTAINERS) as PodName[]) {
        const s = parseSamples(text, family).find((x) => x.labels.pod === pod && x.labels.namespace === NS);
        assert.ok(s, `${family} for ${pod}`);
        assert.deepEqual(Object.keys(s.labels), base, family);
        assert.deepEqual([s.labels.id, s.labels.name, s.labels.container, s.labels.runtime], [`/${relOf(pod)}`, idOf(pod), CONTAINERS[pod], 'containerd']);
        assert.ok(s.labels.image !== '', 'image');
      }
    }
    for (const s of parseSamples(text, 'container_network_transmit_packets_total').filter((x) => x.labels.namespace === NS)) {
      assert.deepEqual(Object.keys(s.labels), [...base, 'interface']);
    }
    assert.ok(!/^container_\w+\{[^}]*\} \S+ \d+$/m.test(text), 'no explicit timestamps');
    const lint = await checkMetrics(text);
    assert.ok(lint.ok, lint.problems.join('\n'));
    assert.deepEqual(lint.problems, []);
    const all = await agent.metrics();
    assert.equal(parseSamples(all, 'cri_exporter_poll_errors_total').filter((s) => ['cgroup', 'netdev'].includes(s.labels.part ?? '')).length, 0, 'no cgroup read failures');
  });

  describe('the kubernetes-mixin expressions through a real Prometheus', () => {
    const byContainer = (r: Sample[]) => r.filter((s) => s.metric.namespace === NS).map((s) => `${s.metric.pod}/${s.metric.container}`).sort();
    const allThree = Object.entries(CONTAINERS).map(([p, c]) => `${p}/${c}`).sort();
    const podInfoJoin = 'topk by (namespace, pod) (1, max by (namespace, pod, node) (kube_pod_info{node!=""}))';
    async function queryUntil(expr: string, ok: (r: Sample[]) => boolean, what: string): Promise<Sample[]> {
      return prom.waitFor(async () => {
        const r = await prom.query(expr);
        return ok(r) ? r : undefined;
      }, 60_000, what);
    }

    it('container CPU and memory recording rules, joined with kube_pod_info', async () => {
      const cpu = await queryUntil(
        `sum by (namespace, pod, container) (irate(container_cpu_usage_seconds_total{job="kubelet", metrics_path="/metrics/cadvisor", image!=""}[5m])) * on (namespace, pod) group_left(node) ${podInfoJoin}`,
        (r) => byContainer(r).join() === allThree.join(), 'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate');
      assert.ok(cpu.every((s) => s.metric.node === NODE));
      assert.ok(Number(cpu.find((s) => s.metric.container === 'burn')?.value[1]) <= 0.2, 'the burner stays near its tenth of a CPU');
      await queryUntil(`sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{job="kubelet",metrics_path="/metrics/cadvisor",image!=""}[1m]))`,
        (r) => byContainer(r).join() === allThree.join(), 'cpu usage rate');
      for (const family of ['container_memory_working_set_bytes', 'container_memory_rss', 'container_memory_cache']) {
        const r = await queryUntil(`${family}{job="kubelet", metrics_path="/metrics/cadvisor", image!=""} * on (namespace, pod) group_left(node) ${podInfoJoin}`,
          (x) => byContainer(x).join() === allThree.join(), `node_namespace_pod_container:${family}`);
        assert.ok(r.every((s) => s.metric.node === NODE), family);
      }
    });

    it('CPUThrottlingHigh fires for the throttled container only', async () => {
      const ratio = `sum(increase(container_cpu_cfs_throttled_periods_total{container!="", job="kubelet", metrics_path="/metrics/cadvisor"}[5m])) without (id, metrics_path, name, image, endpoint, job, node)
        / on (namespace, pod, container, instance) group_left
        sum(increase(container_cpu_cfs_periods_total{job="kubelet", metrics_path="/metrics/cadvisor"}[5m])) without (id, metrics_path, name, image, endpoint, job, node)`;
      await queryUntil(ratio, (r) => byContainer(r).join() === allThree.join(), 'a throttling ratio for every test container');
      const alert = await queryUntil(`${ratio} > (25 / 100)`, (r) => byContainer(r).includes('burner/burn'), 'CPUThrottlingHigh for burner/burn');
      assert.deepEqual(byContainer(alert), ['burner/burn']);
      const simple = await queryUntil('sum(increase(container_cpu_cfs_throttled_periods_total{container!=""}[5m])) by (container,pod,namespace) / sum(increase(container_cpu_cfs_periods_total[5m])) by (container,pod,namespace)',
        (r) => byContainer(r).join() === allThree.join(), 'the by-container form');
      assert.ok(Number(simple.find((s) => s.metric.container === 'burn')?.value[1]) > 0.5);
    });

    it('pod network packets and disk writes as the resource dashboards query them', async () => {
      const packets = await queryUntil(`sum by (namespace, pod) (irate(container_network_transmit_packets_total{job="kubelet", metrics_path="/metrics/cadvisor", namespace="${NS}"}[1m]))`,
        (r) => r.some((s) => s.metric.pod === 'pinger' && Number(s.value[1]) > 0), 'transmit packets of the pinger');
      assert.ok(packets.some((s) => s.metric.pod === 'burner'), 'the peer pod too');
      await queryUntil(`sum by (namespace, pod) (irate(container_network_receive_packets_dropped_total{job="kubelet", metrics_path="/metrics/cadvisor", namespace="${NS}"}[1m]))`,
        (r) => r.some((s) => s.metric.pod === 'pinger'), 'receive drops of the pinger');
      if (disk === undefined || !/^\/dev\/(mmcblk.p.+|nvme.+|rbd.+|sd.+|vd.+|xvd.+|dm-.+|md.+|dasd.+)$/.test(disk.device)) return;
      const device = 'device=~"(/dev/)?(mmcblk.p.+|nvme.+|rbd.+|sd.+|vd.+|xvd.+|dm-.+|md.+|dasd.+)"';
      await queryUntil(`sum by (namespace, pod) (rate(container_fs_writes_bytes_total{job="kubelet", metrics_path="/metrics/cadvisor", container!="", ${device}, namespace="${NS}"}[1m]))`,
        (r) => r.some((s) => s.metric.pod === 'writer' && Number(s.value[1]) > 0), 'write throughput of the writer');
      await queryUntil(`ceil(sum by (pod) (rate(container_fs_reads_total{job="kubelet", metrics_path="/metrics/cadvisor", container!="", ${device}, namespace="${NS}"}[1m]) + rate(container_fs_writes_total{job="kubelet", metrics_path="/metrics/cadvisor", container!="", ${device}, namespace="${NS}"}[1m])))`,
        (r) => r.some((s) => s.metric.pod === 'writer' && Number(s.value[1]) > 0), 'IOPS of the writer');
    });
  });
});
