// Writable layers on a REAL containerd: the upper dir comes from containerd's
// Snapshots API and must be where the container's writes land on the host;
// the merged dir is the rootfs mount and must show the image's files.
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, waitUntil, type Agent, type ApiContainer } from './harness/agent.js';
import type { Containerd } from './harness/containerd.js';
import type { RunningPod } from './harness/pods.js';
import { startTestNode, type TestNode } from './harness/test-node.js';
import { e2eSkip } from './harness/preconditions.js';

const skip = e2eSkip('containerd writable layers', ['containerd', 'runc', 'ctr']);

const writesProbe = ['sh', '-c', 'echo x > /probe; exec sleep 100000'];

describe('writable layers on a real containerd', { skip }, () => {
  let node: TestNode;
  let cd: Containerd;
  let agent: Agent;
  const pods: RunningPod[] = [];

  before(async () => {
    node = await startTestNode();
    cd = node.cd;
    pods.push(await node.runPod({
      name: 'writer', namespace: 'layers', uid: '00000000-0000-4000-a000-000000000001',
      containers: [{ name: 'main', command: writesProbe }, { name: 'side', command: writesProbe }],
    }));
    agent = await node.startAgent(['--poll-interval', '1s', '--node-name', 'e2e-node']);
  });

  after(() => node?.stop());

  const listed = () => agent.json<ApiContainer[]>('/api/v1/containers?namespace=layers');

  async function settled(ids: string[], ok: (c: ApiContainer) => boolean): Promise<ApiContainer[]> {
    let last: ApiContainer[] = [];
    await waitUntil(async () => {
      last = await listed();
      return ids.every((id) => last.some((c) => c.id === id && ok(c)));
    }, 30_000, () => `containers did not settle; last listed: ${JSON.stringify(last)}; agent output:\n${agent.output()}`);
    return last.filter((c) => ids.includes(c.id));
  }

  it('names each running container\'s upper dir from the snapshots API and its rootfs mount as merged dir', async () => {
    const ids = Object.values(pods[0]?.containerIds ?? {});
    const items = await settled(ids, (c) => c.state === 'running' && c.writableLayer.complete);
    assert.equal(items.length, 2);
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    for (const { id, writableLayer: layer } of items) {
      assert.equal(layer.source, 'containerd-snapshots');
      assert.equal(layer.complete, true);
      assert.ok(layer.upperDir.startsWith(`${cd.root}/io.containerd.snapshotter.v1.overlayfs/snapshots/`), layer.upperDir);
      assert.equal(layer.mergedDir, `${cd.state}/io.containerd.runtime.v2.task/k8s.io/${id}/rootfs`);
      assert.ok((await stat(layer.upperDir)).isDirectory(), `upper dir ${layer.upperDir} exists`);
      // The kernel agrees: the merged dir is an overlay mount stacking exactly that upper dir.
      const line = mounts.split('\n').find((l) => l.split(' ')[4] === layer.mergedDir);
      assert.ok(line?.includes(`upperdir=${layer.upperDir},`) || line?.endsWith(`upperdir=${layer.upperDir}`), line);
    }
    assert.notEqual(items[0]?.writableLayer.upperDir, items[1]?.writableLayer.upperDir, 'each container has its own upper dir');
  });

  it('finds the file a container wrote in its upper dir, and the image\'s files in its merged dir', async () => {
    for (const { writableLayer: layer } of await listed()) {
      const probe = join(layer.upperDir, 'probe');
      await waitUntil(async () => (await readFile(probe, 'utf8')) === 'x\n', 10_000, () => `${probe} never held "x"`);
      assert.equal(await readFile(join(layer.mergedDir, 'probe'), 'utf8'), 'x\n', 'the merged view shows it too');
      assert.ok((await readdir(join(layer.mergedDir, 'bin'))).includes('busybox'), 'merged dir shows the image');
      assert.ok(!(await readdir(layer.upperDir)).includes('bin'), 'the upper dir holds only what the container changed');
    }
  });

  it('keeps the upper dir of a container that exited, incomplete since its rootfs is unmounted', async () => {
    const pod = await node.runPod({
      name: 'oneshot', namespace: 'layers', uid: '00000000-0000-4000-a000-000000000002',
      containers: [{ name: 'job', command: ['sh', '-c', 'echo y > /probe'] }],
    });
    const id = pod.containerIds.job as string;
    const [c] = await settled([id], (x) => x.state === 'exited');
    assert.ok(c);
    assert.deepEqual({ ...c.writableLayer, upperDir: '' }, { mergedDir: '', upperDir: '', source: 'containerd-snapshots', complete: false });
    assert.equal(await readFile(join(c.writableLayer.upperDir, 'probe'), 'utf8'), 'y\n');
  });

  it('shows the paths in `cri-exporter containers --output wide`', async () => {
    const running = (await listed()).filter((c) => c.state === 'running');
    const wide = await runCli(['containers', '--runtime-endpoint', cd.endpoint, '--output', 'wide']);
    assert.equal(wide.code, 0, wide.stderr);
    const header = wide.stdout.split('\n')[0] ?? '';
    assert.match(header, /MERGED DIR\s+UPPER DIR\s+LAYER SOURCE/);
    for (const c of running) {
      const row = wide.stdout.split('\n').find((l) => l.startsWith(c.id.slice(0, 13)));
      assert.ok(row, `row for ${c.id}`);
      assert.ok(row.includes(` ${c.writableLayer.mergedDir} `), `merged dir in: ${row}`);
      assert.ok(row.includes(` ${c.writableLayer.upperDir} `), `upper dir in: ${row}`);
      assert.ok(row.trimEnd().endsWith('containerd-snapshots'), `complete source in: ${row}`);
    }
  });
});
