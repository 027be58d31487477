// End to end against a REAL containerd: real pods made of the busybox image,
// the agent run as a CLI process, its API and metrics checked against files
// on disk and against what was created.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Containerd } from './harness/containerd.js';
import { e2eSkip } from './harness/preconditions.js';
import { removeContainer, type RunningPod, type RuntimeClient } from './harness/pods.js';
import { startTestNode, type TestNode } from './harness/test-node.js';
import { parseSamples, runCli, startAgent, waitUntil, type Agent, type ApiContainer } from './harness/agent.js';
import { checkMetrics } from './harness/promtool.js';

const skip = e2eSkip('containerd agent', ['containerd', 'runc', 'ctr', 'promtool']);

const printer = (pod: string, ctr: string) => ['sh', '-c', `for i in 1 2 3; do echo "line-$i from ${pod}/${ctr}"; done; exec sleep 100000`];

const PODS = [
  { name: 'alpha', containers: ['one'] },
  { name: 'beta', containers: ['one', 'two'] },
  { name: 'gamma', containers: ['main', 'side'] },
];

describe('agent on a real containerd', { skip }, () => {
  let node: TestNode;
  let cd: Containerd;
  let cri: RuntimeClient;
  let agent: Agent;
  const pods: RunningPod[] = [];

  before(async () => {
    node = await startTestNode();
    ({ cd, cri } = node);
    for (const [i, p] of PODS.entries()) {
      pods.push(await node.runPod({
        name: p.name, namespace: 'e2e', uid: `00000000-0000-4000-8000-00000000000${i}`,
        labels: { app: p.name }, containers: p.containers.map((c) => ({ name: c, command: printer(p.name, c) })),
      }));
    }
    agent = await node.startAgent(['--poll-interval', '1s', '--node-name', 'e2e-node']);
  });

  after(() => node?.stop());

  const expectedIds = () => pods.flatMap((p) => Object.values(p.containerIds));

  async function listed(): Promise<ApiContainer[]> {
    return agent.json<ApiContainer[]>('/api/v1/containers?namespace=e2e');
  }

  it('lists every container with a log path that exists and holds the printed lines', async () => {
    await waitUntil(async () => {
      const items = await listed();
      return expectedIds().every((id) => items.some((c) => c.id === id && c.logPath !== '' && c.state === 'running'));
    }, 30_000, () => `not all containers listed; agent output:\n${agent.output()}`);
    const items = await listed();
    assert.equal(items.length, 5);
    for (const c of items) {
      assert.equal(c.runtime.name, 'containerd');
      assert.equal(c.pod.namespace, 'e2e');
      assert.ok(c.logPath.startsWith('/'), `absolute log path: ${c.logPath}`);
      assert.ok((await stat(c.logPath)).isFile());
      await waitUntil(async () => (await readFile(c.logPath, 'utf8')).includes(`line-3 from ${c.pod.name}/${c.name}`), 10_000,
        () => `log ${c.logPath} lacks the printed lines`);
      const log = await readFile(c.logPath, 'utf8');
      assert.match(log, new RegExp(`^\\S+ stdout F line-1 from ${c.pod.name}/${c.name}$`, 'm'), 'CRI log format');
    }
    const sandbox = items.find((c) => c.pod.name === 'beta')?.pod;
    assert.equal(sandbox?.sandboxId, pods[1]?.sandboxId);
    assert.equal(sandbox?.runtimeHandler, '', 'default handler');
  });

  it('exposes CPU and working set for every container, labelled with the runtime', async () => {
    await waitUntil(async () => {
      const text = await agent.metrics();
      return expectedIds().every((id) => parseSamples(text, 'container_cpu_usage_seconds_total').some((s) => s.labels.name === id));
    }, 20_000, () => 'cpu series missing');
    const text = await agent.metrics();
    for (const family of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes']) {
      const samples = parseSamples(text, family);
      for (const [i, p] of PODS.entries()) {
        for (const name of p.containers) {
          const s = samples.find((x) => x.labels.pod === p.name && x.labels.container === name);
          assert.ok(s, `${family} for ${p.name}/${name}`);
          assert.equal(s.labels.runtime, 'containerd');
          assert.equal(s.labels.namespace, 'e2e');
          assert.equal(s.labels.name, pods[i]?.containerIds[name]);
          assert.ok(s.labels.id?.startsWith(`/cri-exporter-e2e/pod`), `cgroup id label: ${s.labels.id}`);
          assert.ok(Number.isFinite(s.value) && s.value >= 0);
        }
      }
    }
    assert.equal(parseSamples(text, 'cri_exporter_up')[0]?.value, 1);
    assert.equal(parseSamples(text, 'cri_runtime_info')[0]?.labels.runtime, 'containerd');
  });

  it('passes promtool check metrics', async () => {
    const result = await checkMetrics(await agent.metrics());
    assert.ok(result.ok, result.problems.join('\n'));
    assert.deepEqual(result.problems, []);
  });

  it('prints the same log paths from `cri-exporter containers`', async () => {
    const items = await listed();
    const json = await runCli(['containers', '--runtime-endpoint', cd.endpoint, '--output', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const printed = JSON.parse(json.stdout) as ApiContainer[];
    for (const c of items) assert.equal(printed.find((p) => p.id === c.id)?.logPath, c.logPath);
    const table = await runCli(['containers', '--runtime-endpoint', cd.endpoint]);
    assert.equal(table.code, 0, table.stderr);
    for (const c of items) assert.ok(table.stdout.includes(c.logPath), `table lacks ${c.logPath}`);
  });

  it('works the same with the client forced to runtime.v1alpha2', async () => {
    const old = await startAgent(['--runtime-endpoint', cd.endpoint, '--poll-interval', '1s', '--cri-api-version', 'v1alpha2']);
    try {
      await waitUntil(async () => (await old.json<{ criApiVersion: string; lastPoll: { ok: boolean } }>('/api/v1/runtime')).lastPoll.ok, 20_000, () => old.output());
      const runtime = await old.json<{ criApiVersion: string; type: string }>('/api/v1/runtime');
      assert.equal(runtime.criApiVersion, 'v1alpha2');
      assert.equal(runtime.type, 'containerd');
      const items = await old.json<ApiContainer[]>('/api/v1/containers?namespace=e2e');
      const current = await listed();
      assert.deepEqual(items.map((c) => [c.id, c.logPath]), current.map((c) => [c.id, c.logPath]));
      await waitUntil(async () => parseSamples(await old.metrics(), 'container_cpu_usage_seconds_total').length >= 5, 20_000, () => 'no cpu over v1alpha2');
      const text = await old.metrics();
      assert.ok(parseSamples(text, 'cri_runtime_info')[0]?.labels.cri_api_version === 'v1alpha2');
    } finally {
      await old.stop();
    }
  });

  it('reconnects after containerd restarts on a new socket inode', async () => {
    const upBefore = parseSamples(await agent.metrics(), 'cri_exporter_up')[0]?.value;
    assert.equal(upBefore, 1);
    const versionCalls = async () => parseSamples(await agent.metrics(), 'cri_exporter_cri_requests_total')
      .filter((s) => s.labels.method === 'Version' && s.labels.code === 'OK').reduce((n, s) => n + s.value, 0);
    const before = await versionCalls();
    await cd.restart();
    await waitUntil(async () => (await versionCalls()) > before, 20_000, () => `agent did not ask Version again after the restart:\n${agent.output()}`);
    await waitUntil(async () => (await agent.get('/readyz')).status === 200, 20_000, () => 'not ready after restart');
    assert.equal(parseSamples(await agent.metrics(), 'cri_exporter_up')[0]?.value, 1);
    assert.equal((await listed()).length, 5, 'containers survive a containerd restart and are listed again');
  });

  it('drops a removed container from /metrics after the next poll', async () => {
    const gone = pods[2]?.containerIds.side as string;
    await removeContainer(cri, gone);
    await waitUntil(async () => !(await agent.metrics()).includes(gone), 10_000, () => 'removed container still in /metrics');
    const items = await listed();
    assert.ok(!items.some((c) => c.id === gone));
    assert.equal(items.length, 4);
  });
});
