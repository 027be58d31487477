// The poll loop on the simulated runtime: a snapshot is published whole,
// after its host-stats step, never half-built.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CriClient } from '../../src/cri/client.js';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import { Poller } from '../../src/poller/poller.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { startSimRuntime } from '../../src/sim/server.js';
import { World } from '../../src/sim/world.js';

const silent = { info: () => undefined, warn: () => undefined };

describe('Poller', () => {
  it('keeps serving the previous snapshot until the host-stats step has finished', async () => {
    const rt = await startSimRuntime({ profile: 'containerd', world: new World({ pods: 2, seed: 3 }) });
    const client = new CriClient({ endpoint: parseEndpoint(rt.endpoint), timeoutMs: 2000, maxMessageBytes: 16 << 20, apiVersion: 'auto' });
    const seenDuringStep: number[] = [];
    let release: () => void = () => undefined;
    let poller: Poller | undefined;
    const published: Snapshot[] = [];
    poller = new Poller({
      source: client, intervalMs: 1000, nodeName: 'n', endpoint: rt.endpoint, logger: silent,
      publish: (s) => published.push(s),
      hostStats: {
        async apply(s) {
          seenDuringStep.push(poller?.snapshot.seq ?? -1);
          await new Promise<void>((r) => { release = r; });
          return Object.freeze({ ...s, errors: Object.freeze([{ part: 'cgroup', message: 'marker' }]) });
        },
        coversPods: () => false,
      },
    });
    try {
      const first = poller.pollOnce();
      while (seenDuringStep.length === 0) await new Promise((r) => setImmediate(r));
      assert.equal(poller.snapshot.seq, 0, 'the half-built snapshot is not served');
      assert.equal(poller.snapshot.containers.length, 0);
      release();
      const s = await first;
      assert.equal(s.seq, 1);
      assert.equal(poller.snapshot, s);
      assert.deepEqual(s.errors.map((e) => e.message), ['marker'], 'what is served went through the step');
      assert.equal(s.containers.length, 4);
      assert.deepEqual(published, [s]);
      assert.deepEqual(seenDuringStep, [0]);
    } finally {
      release();
      await poller.stop();
      client.close();
      await rt.stop();
    }
  });

  it('leaves out ListPodSandboxStats while the host step covers every pod', async () => {
    const rt = await startSimRuntime({ profile: 'containerd', world: new World({ pods: 2, seed: 3 }) });
    const client = new CriClient({ endpoint: parseEndpoint(rt.endpoint), timeoutMs: 2000, maxMessageBytes: 16 << 20, apiVersion: 'auto' });
    let covers = false;
    const poller = new Poller({
      source: client, intervalMs: 1000, nodeName: 'n', endpoint: rt.endpoint, logger: silent, publish: () => undefined,
      hostStats: { apply: async (s) => s, coversPods: () => covers },
    });
    try {
      await poller.pollOnce();
      assert.equal(rt.calls.get('ListPodSandboxStats'), 1, 'asked while the host has not covered the pods');
      covers = true;
      const s = await poller.pollOnce();
      await poller.pollOnce();
      assert.equal(rt.calls.get('ListPodSandboxStats'), 1, 'not asked once it has');
      assert.equal(rt.calls.get('ListContainerStats'), 3, 'container stats every poll');
      assert.deepEqual(s.errors, [], 'leaving the call out is not a failure');
      assert.ok(s.containers.every((c) => s.usage.has(c.id)));
      covers = false;
      await poller.pollOnce();
      assert.equal(rt.calls.get('ListPodSandboxStats'), 2, 'asked again when the host stops covering them');
    } finally {
      await poller.stop();
      client.close();
      await rt.stop();
    }
  });

  it('without the host step, takes container figures from the pods\' answer: one stats call per poll after the first', async () => {
    const rt = await startSimRuntime({ profile: 'cri-o', world: new World({ pods: 3, seed: 4 }) });
    const client = new CriClient({ endpoint: parseEndpoint(rt.endpoint), timeoutMs: 2000, maxMessageBytes: 16 << 20, apiVersion: 'auto' });
    const poller = new Poller({ source: client, intervalMs: 1000, nodeName: 'n', endpoint: rt.endpoint, logger: silent, publish: () => undefined });
    try {
      const first = await poller.pollOnce();
      assert.equal(rt.calls.get('ListContainerStats'), 1);
      let s = first;
      for (let i = 0; i < 3; i++) s = await poller.pollOnce();
      assert.equal(rt.calls.get('ListContainerStats'), 1, 'not asked again');
      assert.equal(rt.calls.get('ListPodSandboxStats'), 4);
      assert.deepEqual(s.errors, []);
      const running = s.containers.filter((c) => c.state === 'running');
      assert.ok(running.length > 0 && running.every((c) => s.usage.has(c.id)), 'every running container has figures');
      for (const c of running) {
        assert.ok((s.usage.get(c.id)?.cpuUsageCoreNanoSeconds ?? 0) >= (first.usage.get(c.id)?.cpuUsageCoreNanoSeconds ?? 0));
      }
      assert.ok(s.podUsage.size > 0, 'pod figures too');
    } finally {
      await poller.stop();
      client.close();
      await rt.stop();
    }
  });

  it('after a reconnect, probes again: the runtime behind the endpoint may answer differently now', async () => {
    const rt = await startSimRuntime({ profile: 'containerd', world: new World({ pods: 3, seed: 5 }) });
    const client = new CriClient({ endpoint: parseEndpoint(rt.endpoint), timeoutMs: 2000, maxMessageBytes: 16 << 20, apiVersion: 'auto' });
    // The client reports a reconnect when its channel went down and up; here on demand.
    let reconnected = false;
    const source = new Proxy(client, {
      get(target, key) {
        if (key === 'takeReconnect') {
          return () => {
            const was = reconnected;
            reconnected = false;
            return was || target.takeReconnect();
          };
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const poller = new Poller({ source, intervalMs: 1000, nodeName: 'n', endpoint: rt.endpoint, logger: silent, publish: () => undefined });
    try {
      for (let i = 0; i < 3; i++) await poller.pollOnce();
      assert.equal(rt.calls.get('ListContainerStats'), 1, 'steady: the pods\' answer alone');
      const versions = rt.calls.get('Version');
      reconnected = true;
      const after = await poller.pollOnce();
      assert.equal(rt.calls.get('Version'), (versions ?? 0) + 1, 'the version is asked again');
      assert.equal(rt.calls.get('ListContainerStats'), 2, 'and the stats plan probes again');
      await poller.pollOnce();
      assert.equal(rt.calls.get('ListContainerStats'), 2, 'then settles again');
      assert.deepEqual(after.errors, []);
    } finally {
      await poller.stop();
      client.close();
      await rt.stop();
    }
  });
});
