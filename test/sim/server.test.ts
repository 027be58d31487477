// The simulated runtime, queried with the agent's own CriClient: each profile
// answers like its real runtime, usage moves with the clock, API negotiation
// and faults behave as the agent will meet them.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { CriClient, type CriClientOptions } from '../../src/cri/client.js';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import { CriCallError } from '../../src/cri/errors.js';
import { cgroupPathFromInfo } from '../../src/runtimes/cgroup-path.js';
import { startDemo } from '../../src/sim/demo.js';
import { PROFILE_NAMES, type ProfileName } from '../../src/sim/profiles.js';
import { startSimRuntime, type SimRuntime, type SimRuntimeOptions } from '../../src/sim/server.js';
import { World } from '../../src/sim/world.js';

const T0 = Date.parse('2024-05-01T12:00:00Z');

function clock(): { now: () => number; advance(ms: number): void } {
  let t = T0;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

function connect(sim: SimRuntime, overrides: Partial<CriClientOptions> = {}): CriClient {
  return new CriClient({ endpoint: parseEndpoint(sim.endpoint), timeoutMs: 2000, maxMessageBytes: 16 << 20, apiVersion: 'auto', ...overrides });
}

/** Start a sim, connect a client, always clean up both. */
async function withSim(
  opts: Partial<SimRuntimeOptions> & { profile: ProfileName },
  fn: (sim: SimRuntime, client: CriClient) => Promise<void>,
  clientOpts: Partial<CriClientOptions> = {},
): Promise<void> {
  const sim = await startSimRuntime({ world: new World({ pods: 3, seed: 42, now: clock().now }), ...opts });
  const client = connect(sim, clientOpts);
  try {
    await fn(sim, client);
  } finally {
    client.close();
    await sim.stop();
  }
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<CriCallError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CriCallError, `expected CriCallError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

const EXPECTED: Record<ProfileName, { name: string; version: string; writable: RegExp; imageFs: string }> = {
  containerd: {
    name: 'containerd', version: '1.6.20~ds1',
    writable: /^\/var\/lib\/containerd\/io\.containerd\.snapshotter\.v1\.overlayfs$/,
    imageFs: '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs',
  },
  'cri-o': {
    name: 'cri-o', version: '1.29.1',
    writable: /^\/var\/lib\/containers\/storage\/overlay\/[0-9a-f]{64}\/merged$/,
    imageFs: '/var/lib/containers/storage/overlay-images',
  },
  docker: { name: 'docker', version: '24.0.7', writable: /^\/var\/lib\/docker$/, imageFs: '/var/lib/docker' },
};

describe('simulated runtime, per profile', () => {
  for (const profile of PROFILE_NAMES) {
    test(`${profile}: version, listings, status and stats look like the real runtime`, async () => {
      await withSim({ profile }, async (sim, client) => {
        const want = EXPECTED[profile];
        assert.deepEqual(await client.version(), { runtimeName: want.name, runtimeVersion: want.version, runtimeApiVersion: 'v1' });
        assert.equal(client.apiVersion, 'v1');
        assert.ok((await client.status()).every((c) => c.status), 'RuntimeReady and NetworkReady');

        const pods = await client.listPodSandboxes();
        const containers = await client.listContainers();
        assert.equal(pods.length, 3);
        assert.equal(containers.length, 6);
        for (const c of containers) {
          assert.match(c.id, /^[0-9a-f]{64}$/);
          assert.ok(pods.some((p) => p.id === c.sandboxId), 'every container belongs to a listed sandbox');
          assert.equal(c.labels['io.kubernetes.container.name'], c.name);
        }

        const first = containers[0];
        assert.ok(first);
        const pod = pods.find((p) => p.id === first.sandboxId);
        assert.ok(pod);
        const detail = await client.containerStatus(first.id);
        assert.equal(detail.logPath, `/var/log/pods/${pod.namespace}_${pod.name}_${pod.uid}/${first.name}/0.log`);
        assert.match(detail.image, /^localhost\//);

        const stats = await client.listContainerStats();
        assert.equal(stats.length, 6);
        for (const s of stats) assert.match(s.writableLayer?.mountpoint ?? '', want.writable);

        assert.deepEqual((await client.imageFsInfo()).map((f) => f.mountpoint), [want.imageFs]);
        const images = await client.listImages();
        assert.ok(images.length >= 2);
        for (const i of images) for (const tag of i.repoTags) assert.match(tag, /^localhost\//, 'no real registry host');

        assert.equal(sim.calls.get('Version'), 1);
        assert.equal(sim.calls.get('ListContainers'), 1);
      });
    });
  }

  test('verbose info: containerd and CRI-O carry the OCI spec, cri-dockerd only sandbox ID and pid', async () => {
    const forms: Record<ProfileName, RegExp> = {
      containerd: /^\/kubepods\/burstable\/pod[0-9a-f-]{36}\/[0-9a-f]{64}$/,
      'cri-o': /^kubepods-burstable-pod[0-9a-f_]{36}\.slice:crio:[0-9a-f]{64}$/,
      docker: /^$/,
    };
    for (const profile of PROFILE_NAMES) {
      await withSim({ profile }, async (_sim, client) => {
        const [c] = await client.listContainers();
        assert.ok(c);
        const detail = await client.containerStatus(c.id);
        assert.match(cgroupPathFromInfo(detail.info), forms[profile], profile);
        const doc = JSON.parse(detail.info.info ?? '{}') as { sandboxID?: string; pid?: number };
        assert.equal(doc.sandboxID, c.sandboxId, profile);
        assert.ok((doc.pid ?? 0) > 0, `${profile}: pid of a running container`);
      });
    }
  });

  test('ListPodSandboxStats: eth0 on containerd, lo as default plus eth0 on CRI-O, UNIMPLEMENTED on cri-dockerd', async () => {
    await withSim({ profile: 'containerd' }, async (_sim, client) => {
      const stats = await client.listPodSandboxStats(false);
      assert.equal(stats.length, 3);
      assert.deepEqual(stats[0]?.interfaces.map((i) => i.name), ['eth0']);
      assert.equal(stats[0]?.timestamp, 0, 'containerd leaves NetworkUsage.timestamp unset');
    });
    await withSim({ profile: 'cri-o' }, async (_sim, client) => {
      const stats = await client.listPodSandboxStats(false);
      assert.deepEqual(stats[0]?.interfaces.map((i) => i.name), ['lo', 'eth0']);
    });
    await withSim({ profile: 'docker' }, async (_sim, client) => {
      await rejectsWith(client.listPodSandboxStats(false), 'UNIMPLEMENTED');
    });
  });

  test('ListPodSandboxStats repeats each container\'s ListContainerStats row inside its pod (asked for), or leaves them out', async () => {
    for (const profile of ['containerd', 'cri-o'] as const) {
      const world = new World({ pods: 3, seed: 5, now: () => T0 });
      await withSim({ profile, world }, async (_sim, client) => {
        const pods = await client.listPodSandboxStats(true);
        const flat = await client.listContainerStats();
        const nested = pods.flatMap((p) => p.containers);
        assert.equal(nested.length, 6, profile);
        assert.deepEqual(new Set(nested.map((u) => u.id)), new Set(flat.map((u) => u.id)), profile);
        const sandboxOf = new Map(world.containers().map((c) => [c.id, c.podId]));
        for (const p of pods) assert.ok(p.containers.every((u) => sandboxOf.get(u.id) === p.id), `${profile}: rows sit in their own pod`);
        assert.ok((await client.listPodSandboxStats(false)).every((p) => p.containers.length === 0), profile);
      });
    }
  });
});

describe('usage over time', () => {
  test('CPU counters grow and memory moves between two polls', async () => {
    const c = clock();
    const world = new World({ pods: 3, seed: 7, now: c.now });
    await withSim({ profile: 'containerd', world }, async (_sim, client) => {
      c.advance(60_000);
      const before = new Map((await client.listContainerStats()).map((s) => [s.id, s]));
      c.advance(30_000);
      const after = await client.listContainerStats();
      assert.equal(after.length, 6);
      let memoryMoved = false;
      for (const s of after) {
        const b = before.get(s.id);
        assert.ok(b);
        assert.ok((s.cpuUsageCoreNanoSeconds ?? 0) > (b.cpuUsageCoreNanoSeconds ?? 0), `cpu of ${s.id} increased`);
        assert.equal(s.timestamp - b.timestamp, 30);
        if (s.memoryWorkingSetBytes !== b.memoryWorkingSetBytes) memoryMoved = true;
      }
      assert.ok(memoryMoved, 'some working set changed');
      const net = await client.listPodSandboxStats(false);
      assert.ok(net.every((p) => (p.interfaces[0]?.rxBytes ?? 0) > 0));
    });
  });

  test('the same seed gives the same node', () => {
    const a = new World({ pods: 4, seed: 99, now: () => T0 });
    const b = new World({ pods: 4, seed: 99, now: () => T0 });
    assert.deepEqual(a.containers().map((c) => [c.id, c.name, c.image.name]), b.containers().map((c) => [c.id, c.name, c.image.name]));
    assert.deepEqual(a.containers().map((c) => a.containerUsage(c)), b.containers().map((c) => b.containerUsage(c)));
  });

  test('a restart leaves an exited attempt 0 and a running attempt 1; runtimes differ on its stats', async () => {
    const expected: Record<ProfileName, 'bare' | 'omitted' | 'zero'> = { containerd: 'bare', 'cri-o': 'omitted', docker: 'zero' };
    for (const profile of PROFILE_NAMES) {
      const world = new World({ pods: 1, seed: 5, now: clock().now });
      const old = world.containers()[0];
      assert.ok(old);
      const fresh = world.restartContainer(old.id);
      assert.equal(fresh.attempt, 1);
      assert.equal(fresh.logPath, `${old.name}/1.log`);
      await withSim({ profile, world }, async (_sim, client) => {
        const listed = await client.listContainers();
        assert.equal(listed.find((c) => c.id === old.id)?.state, 'exited');
        assert.equal(listed.find((c) => c.id === fresh.id)?.state, 'running');
        assert.equal((await client.containerStatus(old.id)).reason, 'Error');
        const s = (await client.listContainerStats()).find((u) => u.id === old.id);
        const got = s === undefined ? 'omitted' : s.cpuUsageCoreNanoSeconds === undefined ? 'bare' : s.cpuUsageCoreNanoSeconds === 0 ? 'zero' : 'full';
        assert.equal(got, expected[profile], profile);
      });
    }
  });
});

describe('API versions', () => {
  const alpha: Record<ProfileName, string> = { containerd: 'v1alpha2', 'cri-o': 'v1alpha1', docker: '1.41.0' };
  for (const profile of PROFILE_NAMES) {
    test(`${profile}, v1alpha2-only: the client negotiates down to v1alpha2`, async () => {
      await withSim({ profile, v1alpha2Only: true }, async (sim, client) => {
        const v = await client.version();
        assert.equal(client.apiVersion, 'v1alpha2');
        assert.equal(v.runtimeName, EXPECTED[profile].name);
        assert.equal(v.runtimeApiVersion, alpha[profile]);
        assert.deepEqual(sim.apiVersions, ['v1alpha2']);
        assert.equal((await client.listContainers()).length, 6);
        // PodSandboxStats came with cri-api 0.22, after these releases.
        await rejectsWith(client.listPodSandboxStats(false), 'UNIMPLEMENTED');
      });
    });
  }
});

describe('errors and faults', () => {
  test('ContainerStatus of an unknown ID: NOT_FOUND (cri-dockerd passes Docker\'s error through as UNKNOWN)', async () => {
    const codes: Record<ProfileName, string> = { containerd: 'NOT_FOUND', 'cri-o': 'NOT_FOUND', docker: 'UNKNOWN' };
    for (const profile of PROFILE_NAMES) {
      await withSim({ profile }, async (_sim, client) => {
        const err = await rejectsWith(client.containerStatus('0'.repeat(64)), codes[profile]);
        assert.match(err.message, /0{64}/);
      });
    }
  });

  test('hang: the call fails with DEADLINE_EXCEEDED within the client timeout', async () => {
    await withSim({ profile: 'containerd' }, async (sim, client) => {
      await client.version();
      sim.faults.hang = new Set(['ListContainers']);
      const started = Date.now();
      await rejectsWith(client.listContainers(), 'DEADLINE_EXCEEDED');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 450 && elapsed < 1500, `took ${elapsed} ms with a 500 ms timeout`);
      sim.faults.hang = false;
      assert.equal((await client.listContainers()).length, 6);
      assert.equal(sim.calls.get('ListContainers'), 2);
    }, { timeoutMs: 500 });
  });

  test('fail: the injected status reaches the client; delay: the answer comes late', async () => {
    await withSim({ profile: 'cri-o' }, async (sim, client) => {
      sim.faults.fail = { ListContainerStats: { code: status.UNAVAILABLE, message: 'injected outage' } };
      const err = await rejectsWith(client.listContainerStats(), 'UNAVAILABLE');
      assert.match(err.message, /injected outage/);
      sim.faults.fail = {};
      sim.faults.delayMs = { '*': 150 };
      const started = Date.now();
      await client.listPodSandboxes();
      assert.ok(Date.now() - started >= 140);
    });
  });

  test('oversizeBytes: a list larger than the client accepts is RESOURCE_EXHAUSTED', async () => {
    await withSim({ profile: 'containerd', faults: { oversizeBytes: 2 << 20 } }, async (sim, client) => {
      await rejectsWith(client.listContainers(), 'RESOURCE_EXHAUSTED');
      sim.faults.oversizeBytes = 0;
      assert.equal((await client.listContainers()).length, 6);
    }, { maxMessageBytes: 1 << 20 });
  });

  test('containerd fails ListPodSandboxStats as a whole (no cgroup parent, or a sandbox not ready); CRI-O carries on', async () => {
    await withSim({ profile: 'containerd', faults: { podSandboxStatsFailsWithoutCgroupParent: true } }, async (_sim, client) => {
      const err = await rejectsWith(client.listPodSandboxStats(false), 'UNKNOWN');
      assert.match(err.message, /cgroupPath is empty/);
    });
    for (const profile of ['containerd', 'cri-o'] as const) {
      const world = new World({ pods: 2, seed: 3, now: clock().now });
      const stopped = world.pods()[0];
      assert.ok(stopped);
      world.setPodState(stopped.id, 'SANDBOX_NOTREADY');
      await withSim({ profile, world }, async (_sim, client) => {
        if (profile === 'containerd') {
          assert.match((await rejectsWith(client.listPodSandboxStats(false), 'UNKNOWN')).message, /not in ready state/);
        } else {
          assert.equal((await client.listPodSandboxStats(false)).length, 2);
        }
      });
    }
  });

  test('stop() removes the socket and its temp dir', async () => {
    const sim = await startSimRuntime({ profile: 'docker', world: new World({ pods: 1 }) });
    assert.ok(existsSync(sim.socketPath));
    await sim.stop();
    assert.ok(!existsSync(sim.socketPath));
    assert.ok(!existsSync(dirname(sim.socketPath)));
  });
});

describe('demo', () => {
  test('realistic pods, two containers each, answering over CRI', async () => {
    const sim = await startDemo({ pods: 16, seed: 3 });
    const client = connect(sim);
    try {
      const pods = await client.listPodSandboxes();
      assert.equal(pods.length, 16);
      assert.equal((await client.listContainers()).length, 32);
      const namespaces = new Set(pods.map((p) => p.namespace));
      for (const ns of ['kube-system', 'monitoring', 'shop', 'default']) assert.ok(namespaces.has(ns), ns);
      assert.ok(pods.some((p) => /^coredns-[b-z2-9]{10}-[b-z2-9]{5}$/.test(p.name)), 'deployment-style names');
      assert.ok(pods.some((p) => p.name === 'prometheus-k8s-0'), 'statefulset-style names');
      assert.ok((await client.listContainerStats()).every((s) => (s.cpuUsageCoreNanoSeconds ?? 0) > 0), 'pods have been up a while');
    } finally {
      client.close();
      await sim.stop();
    }
  });
});
