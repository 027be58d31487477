// The docker adapter inside the poll machinery, on the simulated cri-dockerd
// and a stand-in daemon socket replaying a recorded dockerd answer: one
// inspect per new container and none per poll, and a retry (without another
// CRI call) once a daemon that was down answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CriClient } from '../../src/cri/client.js';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import { DetailCache } from '../../src/poller/details.js';
import { Poller } from '../../src/poller/poller.js';
import { dockerAdapter } from '../../src/runtimes/docker.js';
import { adapterFactory } from '../../src/runtimes/index.js';
import { startSimRuntime } from '../../src/sim/server.js';
import { World } from '../../src/sim/world.js';
import { CGROUP_PARENT, LAYER, replayAny } from '../fixtures/docker/fake-daemon.js';
import { useFakeDaemon } from '../fixtures/docker/use-fake-daemon.js';

const fake = useFakeDaemon();

describe('docker adapter in the poller', () => {
  it('asks Docker once per new container and never again on later polls', async () => {
    fake.route = replayAny;
    const world = new World({ pods: 3, seed: 11 });
    const rt = await startSimRuntime({ profile: 'docker', world });
    const client = new CriClient({ endpoint: parseEndpoint(rt.endpoint), timeoutMs: 2000, maxMessageBytes: 16 << 20, apiVersion: 'auto' });
    const poller = new Poller({
      source: client, intervalMs: 1000, nodeName: 'n', endpoint: rt.endpoint,
      logger: { info: () => undefined, warn: () => undefined }, publish: () => undefined,
      adapterFor: adapterFactory({ runtimeEndpoint: parseEndpoint(rt.endpoint), dockerEndpoint: parseEndpoint(fake.socket), hostProc: '/proc', timeoutMs: 2000 }),
    });
    try {
      for (let i = 0; i < 3; i++) await poller.pollOnce();
      const containers = poller.snapshot.containers;
      assert.equal(containers.length, 6);
      assert.deepEqual(fake.requests.sort(), world.containers().map((c) => `GET /containers/${c.id}/json`).sort());
      for (const c of containers) {
        assert.equal(c.writableLayer.source, 'docker-api');
        assert.equal(c.writableLayer.upperDir, `${LAYER}/diff`);
        assert.equal(c.cgroupPath, `${CGROUP_PARENT}/${c.id}`);
        assert.equal(c.runtime.name, 'docker');
      }

      const extra = world.addContainer(world.pods()[0]!.id, { name: 'late' });
      await poller.pollOnce();
      assert.equal(fake.requests.length, 7);
      assert.equal(fake.requests.at(-1), `GET /containers/${extra.id}/json`);
    } finally {
      await poller.stop();
      client.close();
      await rt.stop();
    }
  });

  it('asks again, without another CRI call, once a daemon that was down answers', async () => {
    fake.route = (_req, res) => res.destroy(); // connection dropped: unavailable
    let now = 1_000_000;
    const rt = await startSimRuntime({ profile: 'docker', world: new World({ pods: 1, seed: 5 }) });
    const client = new CriClient({ endpoint: parseEndpoint(rt.endpoint), timeoutMs: 2000, maxMessageBytes: 16 << 20, apiVersion: 'auto' });
    const deps = { runtimeEndpoint: parseEndpoint(rt.endpoint), dockerEndpoint: parseEndpoint(fake.socket), hostProc: '/proc', timeoutMs: 2000 };
    const adapter = dockerAdapter(deps, { now: () => now });
    const cache = new DetailCache({ retryEnrichMs: 1000, now: () => now });
    const sources = async () => {
      const { details } = await cache.refresh(client, await client.listContainers(), (d) => adapter.enrich(d));
      return [...details.values()].map((k) => k.enrichment.writableLayer?.source);
    };
    try {
      assert.deepEqual(await sources(), ['docker-api-unavailable', 'docker-api-unavailable']);
      fake.route = replayAny;
      fake.requests.length = 0;
      const statusCalls = rt.calls.get('ContainerStatus');
      now += 30_000;
      assert.deepEqual(await sources(), ['docker-api', 'docker-api']);
      assert.equal(fake.requests.length, 2);
      assert.equal(rt.calls.get('ContainerStatus'), statusCalls, 'no ContainerStatus for a retry');
      now += 30_000;
      await sources();
      assert.equal(fake.requests.length, 2, 'a final answer is not asked again');
    } finally {
      adapter.close();
      client.close();
      await rt.stop();
    }
  });
});
