// The number of CRI calls per poll must not grow with the number of
// containers: counted by the agent itself (cri_exporter_cri_requests_total)
// on a real containerd at 3 and at 30 containers. The agent reads the host's
// cgroups here, so pod figures come from the host and the poll makes one
// stats call, ListContainerStats, not ListPodSandboxStats as well.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { e2eSkip } from './harness/preconditions.js';
import { startTestNode, type TestNode } from './harness/test-node.js';
import { parseSamples, waitUntil, type Agent } from './harness/agent.js';

const skip = e2eSkip('CRI calls per poll', ['containerd', 'runc', 'ctr']);

interface Counts { polls: number; calls: Map<string, number>; lastPoll: number }

function counts(text: string): Counts {
  const calls = new Map<string, number>();
  for (const s of parseSamples(text, 'cri_exporter_cri_requests_total')) {
    const method = s.labels.method as string;
    calls.set(method, (calls.get(method) ?? 0) + s.value);
  }
  return {
    polls: parseSamples(text, 'cri_exporter_poll_duration_seconds_count')[0]?.value ?? 0,
    lastPoll: parseSamples(text, 'cri_exporter_last_poll_timestamp_seconds')[0]?.value ?? 0,
    calls,
  };
}

/** Reads the counters right after a poll finishes, while the loop waits for the next one. */
async function afterPoll(agent: Agent): Promise<Counts> {
  const start = counts(await agent.metrics());
  let now = start;
  await waitUntil(async () => {
    now = counts(await agent.metrics());
    return now.lastPoll !== start.lastPoll;
  }, 10_000, () => 'no poll finished');
  return now;
}

/** CRI calls per poll by method, over `polls` consecutive steady-state polls. */
async function callsPerPoll(agent: Agent, polls: number): Promise<Map<string, number>> {
  const a = await afterPoll(agent);
  let b = a;
  while (b.polls < a.polls + polls) b = await afterPoll(agent);
  const n = b.polls - a.polls;
  const per = new Map<string, number>();
  for (const [method, total] of b.calls) per.set(method, (total - (a.calls.get(method) ?? 0)) / n);
  return per;
}

function containersFor(i: number) {
  return [{ name: 'a', command: ['sleep', '100000'] }, { name: 'b', command: ['sleep', '100000'] }].slice(0, i === 0 ? 1 : 2);
}

describe('CRI calls per poll on a real containerd', { skip }, () => {
  let node: TestNode;
  let agent: Agent;
  let podCount = 0;

  async function addPods(n: number, perPod: 1 | 2): Promise<void> {
    for (let i = 0; i < n; i++) {
      const k = podCount++;
      await node.runPod({
        name: `load-${k}`, namespace: 'calls', uid: `00000000-0000-4000-9000-${String(k).padStart(12, '0')}`,
        containers: containersFor(perPod === 1 ? 0 : 1),
      });
    }
  }

  before(async () => {
    node = await startTestNode();
    await addPods(1, 1);
    await addPods(1, 2);
    agent = await node.startAgent(['--poll-interval', '1s']);
  });

  after(() => node?.stop());

  it('makes the same calls per poll at 3 and at 30 containers', async () => {
    const listedCount = async () => (await agent.json<unknown[]>('/api/v1/containers?namespace=calls')).length;
    await waitUntil(async () => (await listedCount()) === 3, 20_000, () => 'three containers not listed');
    const small = await callsPerPoll(agent, 3);

    await addPods(9, 2);
    await addPods(9, 1);
    await waitUntil(async () => (await listedCount()) === 30, 60_000, () => 'thirty containers not listed');
    const large = await callsPerPoll(agent, 3);

    assert.equal(small.get('ContainerStatus') ?? 0, 0, 'steady state asks no ContainerStatus');
    assert.equal(large.get('ContainerStatus') ?? 0, 0, 'steady state asks no ContainerStatus');
    const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
    assert.deepEqual(Object.fromEntries(large), Object.fromEntries(small));
    assert.ok(total(small) <= 6, `a constant handful: ${JSON.stringify(Object.fromEntries(small))}`);
    for (const method of ['ListContainers', 'ListPodSandbox', 'ListContainerStats', 'Status', 'ImageFsInfo', 'ListImages']) {
      assert.equal(large.get(method), 1, `${method} once per poll`);
    }
    assert.equal(large.get('ListPodSandboxStats') ?? 0, 0, 'one stats call per poll: pod figures come from the host');
    const processes = parseSamples(await agent.metrics(), 'container_processes').filter((s) => s.labels.namespace === 'calls');
    assert.equal(processes.length, 20, 'every pod has its process count, from its cgroup');
    assert.ok(processes.every((s) => s.value >= 2), `pause and sleep in each pod: ${JSON.stringify(processes.map((s) => s.value))}`);
  });
});

// Without the host's cgroups (no host mounts), pod figures come from
// ListPodSandboxStats, and containerd repeats every container's stats inside
// it: after one poll that asks both and finds them all there, the poll makes
// that one stats call and the container figures come from it.
describe('one stats call per poll on a real containerd without host mounts', { skip }, () => {
  let node: TestNode;
  let agent: Agent;
  let emptyHost: string;

  before(async () => {
    node = await startTestNode();
    emptyHost = await mkdtemp(join(tmpdir(), 'cri-exporter-nohost-'));
    for (let k = 0; k < 3; k++) {
      await node.runPod({
        name: `nested-${k}`, namespace: 'nested', uid: `00000000-0000-4000-9100-${String(k).padStart(12, '0')}`,
        containers: containersFor(k),
      });
    }
    agent = await node.startAgent(['--poll-interval', '1s', '--host-cgroup-root', emptyHost, '--host-proc', emptyHost]);
  });

  after(async () => {
    await node?.stop();
    if (emptyHost) await rm(emptyHost, { recursive: true, force: true });
  });

  it('asks ListPodSandboxStats alone and still has every container\'s figures', async () => {
    const cpu = async () => parseSamples(await agent.metrics(), 'container_cpu_usage_seconds_total').filter((s) => s.labels.namespace === 'nested');
    await waitUntil(async () => (await cpu()).length === 5, 20_000, () => 'five containers without CPU figures');
    const key = (s: { labels: Record<string, unknown> }) => `${String(s.labels.pod)}/${String(s.labels.container)}`;
    const first = new Map((await cpu()).map((s) => [key(s), s.value]));
    const calls = await callsPerPoll(agent, 3);
    assert.equal(calls.get('ListPodSandboxStats'), 1, `pod figures from the runtime: ${JSON.stringify(Object.fromEntries(calls))}`);
    assert.equal(calls.get('ListContainerStats') ?? 0, 0, 'container figures from the pods\' answer');
    const later = await cpu();
    assert.equal(later.length, 5, 'every container still has its figures');
    for (const s of later) assert.ok(s.value >= (first.get(key(s)) ?? Infinity), `CPU of ${key(s)} went back or appeared`);
    // Host-network pods have no interfaces of their own; their process counts come from the pods' answer.
    const processes = parseSamples(await agent.metrics(), 'container_processes').filter((s) => s.labels.namespace === 'nested');
    assert.equal(processes.length, 3, `each pod's process count from the runtime: ${JSON.stringify(processes)}`);
  });
});
