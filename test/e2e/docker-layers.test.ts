// End to end against a REAL dockerd: containers run by Docker from the
// busybox image, served to the agent through the simulated cri-dockerd (no
// cri-dockerd package exists here) under their real Docker IDs, so that the
// agent's docker adapter asks the real Engine API for them. Checked against
// `docker inspect`, the file system and the kernel's view of the cgroups.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseSamples, startAgent, waitUntil, type Agent, type ApiContainer } from './harness/agent.js';
import { isRunning } from './harness/containerd.js';
import { startDockerd, type Dockerd } from './harness/dockerd.js';
import { buildBusyboxImageTar } from './harness/image.js';
import { removeCgroup } from './harness/pods.js';
import { e2eSkip } from './harness/preconditions.js';
import { startSimRuntime, type SimRuntime } from '../../src/sim/server.js';
import { World } from '../../src/sim/world.js';

const skip = e2eSkip('docker layers', ['dockerd', 'docker', 'containerd', 'ctr', 'runc']);

interface Inspect {
  Id: string; LogPath: string; State: { Pid: number };
  GraphDriver: { Name: string; Data: { MergedDir: string; UpperDir: string } };
}

const NAMES = ['app', 'sidecar'];

describe('docker writable layers from a real dockerd', { skip }, () => {
  const uid = randomUUID();
  // The pod cgroup, as the kubelet hands it to cri-dockerd as CgroupParent.
  const cgroupParent = `/cri-exporter-e2e/pod${uid}`;
  const inspected = new Map<string, Inspect>();
  let dk: Dockerd;
  let rt: SimRuntime;
  let agent: Agent;
  let world: World;

  before(async () => {
    dk = await startDockerd();
    const { tarPath, imageRef } = await buildBusyboxImageTar(dk.dir);
    await dk.docker(['load', '-i', tarPath]);
    world = new World({ pods: 0, seed: 7, logRoot: join(dk.dir, 'pods') });
    const specs = [];
    for (const name of NAMES) {
      const id = (await dk.docker([
        'run', '-d', '--network', 'none', '--cgroup-parent', cgroupParent, '--name', `k8s_${name}_web_e2e_${uid}_0`,
        imageRef, 'sh', '-c', `echo x > /probe; echo started ${name}; exec sleep 100000`,
      ])).trim();
      inspected.set(id, (JSON.parse(await dk.docker(['inspect', id])) as Inspect[])[0]!);
      specs.push({ id, name });
    }
    world.addPod({ name: 'web', namespace: 'e2e', uid, cgroupParent, containers: specs });
    rt = await startSimRuntime({ profile: 'docker', world, socketPath: join(dk.dir, 'cri-dockerd.sock') });
    agent = await startAgent(['--runtime-endpoint', rt.endpoint, '--docker-endpoint', dk.endpoint, '--poll-interval', '1s', '--node-name', 'e2e-node']);
  });

  after(async () => {
    await agent?.stop();
    await rt?.stop();
    const pids = (await dk?.processes()) ?? [];
    await dk?.stop();
    await removeCgroup(cgroupParent);
    if (dk === undefined) return;
    assert.deepEqual(pids.filter(isRunning), [], 'no process of the private dockerd survives stop()');
    assert.equal(existsSync(dk.dir), false, 'temp dir removed');
    assert.equal((await readFile('/proc/self/mountinfo', 'utf8')).includes(dk.dir), false, 'no mount left under the temp dir');
  });

  async function listedWhen(ok: (items: ApiContainer[]) => boolean): Promise<ApiContainer[]> {
    let items: ApiContainer[] = [];
    await waitUntil(async () => ok(items = await agent.json<ApiContainer[]>('/api/v1/containers?namespace=e2e')), 20_000,
      () => `agent never listed what was expected; last: ${JSON.stringify(items)}\nagent output:\n${agent.output()}`);
    return items;
  }

  const fromDocker = (items: ApiContainer[]) => items.filter((c) => inspected.has(c.id));

  it('serves the upper and merged dir that docker inspect reports, from the Engine API', async () => {
    const items = fromDocker(await listedWhen((all) => fromDocker(all).filter((c) => c.writableLayer.source !== 'none').length === NAMES.length));
    for (const c of items) {
      const want = inspected.get(c.id)!;
      assert.equal(want.GraphDriver.Name, 'overlay2');
      assert.deepEqual(c.writableLayer, {
        mergedDir: want.GraphDriver.Data.MergedDir, upperDir: want.GraphDriver.Data.UpperDir, source: 'docker-api', complete: true,
      });
      assert.ok(c.writableLayer.upperDir.startsWith(`${dk.dataRoot}/overlay2/`), c.writableLayer.upperDir);
      assert.equal(c.runtime.name, 'docker');
    }
  });

  it('names the dirs where the container\'s own writes land', async () => {
    for (const c of fromDocker(await listedWhen((all) => fromDocker(all).length === NAMES.length))) {
      assert.equal(await readFile(join(c.writableLayer.upperDir, 'probe'), 'utf8'), 'x\n', `probe in ${c.writableLayer.upperDir}`);
      assert.equal(await readFile(join(c.writableLayer.mergedDir, 'probe'), 'utf8'), 'x\n', `probe in ${c.writableLayer.mergedDir}`);
    }
  });

  it('labels metrics with runtime "docker" and the cgroup runc put the container in', async () => {
    let text = '';
    await waitUntil(async () => {
      text = await agent.metrics();
      return [...inspected.keys()].every((id) => parseSamples(text, 'container_cpu_usage_seconds_total').some((s) => s.labels.name === id && s.labels.id !== ''));
    }, 20_000, () => `no cpu series with a cgroup for every docker container:\n${text}`);
    for (const [id, want] of inspected) {
      const cgroups = await readFile(`/proc/${want.State.Pid}/cgroup`, 'utf8');
      const kernel = cgroups.split('\n').find((l) => l.startsWith('0::') || l.includes(':memory:'))?.split(':')[2];
      assert.equal(kernel, `${cgroupParent}/${id}`, cgroups);
      const cpu = parseSamples(text, 'container_cpu_usage_seconds_total').find((s) => s.labels.name === id);
      assert.equal(cpu?.labels.id, kernel);
      assert.equal(cpu?.labels.runtime, 'docker');
      const info = parseSamples(text, 'cri_container_info').find((s) => s.labels.container_id === id);
      assert.equal(info?.labels.runtime, 'docker');
      assert.equal(info?.labels.writable_layer, want.GraphDriver.Data.UpperDir);
    }
    assert.equal(parseSamples(text, 'cri_runtime_info')[0]?.labels.runtime, 'docker');
  });

  it('keeps the CRI log path; Docker\'s json-file log behind it is in the docker-json format', async () => {
    for (const c of fromDocker(await listedWhen((all) => fromDocker(all).length === NAMES.length))) {
      const pod = world.pods()[0]!;
      assert.equal(c.logPath, `${pod.logDirectory}/${c.name}/0.log`, 'the path CRI reported, not Docker\'s LogPath');
      assert.equal(c.logFormat, 'docker-json');
      const line = JSON.parse((await readFile(inspected.get(c.id)!.LogPath, 'utf8')).split('\n')[0]!) as Record<string, string>;
      assert.equal(line.log, `started ${c.name}\n`);
      assert.equal(line.stream, 'stdout');
    }
  });

  it('lists a container Docker does not know (404) without a layer', async () => {
    const ghost = world.addContainer(world.pods()[0]!.id, { name: 'ghost' });
    const items = await listedWhen((all) => all.some((c) => c.id === ghost.id));
    const c = items.find((x) => x.id === ghost.id)!;
    assert.deepEqual(c.writableLayer, { mergedDir: '', upperDir: '', source: 'none', complete: false });
    assert.ok(c.logPath.endsWith('/ghost/0.log'), c.logPath);
  });

  it('marks layers unavailable when the Docker endpoint does not answer, and still lists the containers', async () => {
    const blind = await startAgent(['--runtime-endpoint', rt.endpoint, '--docker-endpoint', `unix://${join(dk.dir, 'nothing-here.sock')}`, '--poll-interval', '1s']);
    try {
      let items: ApiContainer[] = [];
      await waitUntil(async () => fromDocker(items = await blind.json<ApiContainer[]>('/api/v1/containers')).length === NAMES.length, 20_000,
        () => `not listed: ${JSON.stringify(items)}\n${blind.output()}`);
      for (const c of fromDocker(items)) {
        assert.deepEqual(c.writableLayer, { mergedDir: '', upperDir: '', source: 'docker-api-unavailable', complete: false });
        assert.notEqual(c.logPath, '');
      }
    } finally {
      await blind.stop();
    }
  });
});
