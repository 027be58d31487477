// The CRI-O adapter. CRI-O cannot run on this machine, so its answers come
// from the simulated runtime's cri-o profile (test/fixtures/crio), which
// follows CRI-O 1.29's sources: verbose info {sandboxID, pid, runtimeSpec,
// privileged} with the overlay mount point as OCI root path and as the
// io.kubernetes.cri-o.MountPoint annotation, and the same mount point in stats.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { toContainerDetail, toContainerUsages } from '../../src/cri/convert.js';
import type { ContainerDetail, ContainerUsage } from '../../src/cri/types.js';
import { crioAdapter, layerFromStats, SOURCE_STATS, SOURCE_VERBOSE, upperDirBeside } from '../../src/runtimes/crio.js';
import { adapterFactory } from '../../src/runtimes/index.js';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import { tempDir } from './containerd-fakes.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'crio');
const PID = 4343;

let dir: string;
let removeDir: () => Promise<void>;
let detail: ContainerDetail;
let usage: ContainerUsage;
let merged: string;
let diff: string;

before(async () => {
  ({ dir, remove: removeDir } = await tempDir());
  detail = toContainerDetail(JSON.parse(await readFile(join(FIXTURES, 'container-status.json'), 'utf8')));
  usage = toContainerUsages(JSON.parse(await readFile(join(FIXTURES, 'container-stats.json'), 'utf8')))[0] as ContainerUsage;
  merged = usage.writableLayer?.mountpoint ?? '';
  diff = merged.replace(/merged$/, 'diff');
});

after(() => removeDir());

/** A host /proc whose PID 4343 has an overlay stacking `upperdir` as its root mount. */
async function procWithRoot(name: string, upperdir: string): Promise<string> {
  const proc = join(dir, name);
  await mkdir(join(proc, String(PID)), { recursive: true });
  await writeFile(join(proc, String(PID), 'mountinfo'),
    `1210 1150 0:320 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/containers/storage/overlay/l/ABCDEF,upperdir=${upperdir},workdir=${upperdir.replace(/diff$/, 'work')}\n` +
    '1211 1210 0:322 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n');
  return proc;
}

const adapter = (hostProc: string) => crioAdapter({ runtimeEndpoint: parseEndpoint('unix:///run/crio/crio.sock'), hostProc, timeoutMs: 1000 });

describe('CRI-O adapter', () => {
  it('takes the merged dir from verbose info and derives the upper dir beside it, unconfirmed: incomplete', async () => {
    const e = await adapter(join(dir, 'empty')).enrich(detail);
    assert.ok(merged.startsWith('/var/lib/containers/storage/overlay/') && merged.endsWith('/merged'), merged);
    assert.deepEqual(e.writableLayer, { mergedDir: merged, upperDir: diff, source: SOURCE_VERBOSE, complete: false });
    assert.match(e.cgroupPath, /^kubepods-.*\.slice:crio:[0-9a-f]{64}$/, 'systemd-form cgroup from the OCI spec');
  });

  it('is complete once the container\'s own mount table stacks that upper dir', async () => {
    const e = await adapter(await procWithRoot('ok', diff)).enrich(detail);
    assert.deepEqual(e.writableLayer, { mergedDir: merged, upperDir: diff, source: SOURCE_VERBOSE, complete: true });
  });

  it('accepts the relative upperdir containers/storage uses when mount options get long', async () => {
    const layer = diff.split('/').slice(-2).join('/');
    const e = await adapter(await procWithRoot('rel', layer)).enrich(detail);
    assert.equal(e.writableLayer?.complete, true);
  });

  it('stays incomplete when the mount table shows another upper dir', async () => {
    const e = await adapter(await procWithRoot('other', '/var/lib/containers/storage/overlay/ffff/diff')).enrich(detail);
    assert.equal(e.writableLayer?.upperDir, diff);
    assert.equal(e.writableLayer?.complete, false);
  });

  it('reads the mount point from the OCI root path or a top-level mountPoint when the annotation is missing', async () => {
    const doc = JSON.parse(detail.info.info ?? '{}') as { runtimeSpec: { annotations: Record<string, string> } };
    delete doc.runtimeSpec.annotations['io.kubernetes.cri-o.MountPoint'];
    const a = adapter(join(dir, 'empty'));
    assert.equal((await a.enrich({ ...detail, info: { info: JSON.stringify(doc) } })).writableLayer?.mergedDir, merged);
    const old = { pid: PID, mountPoint: '/var/lib/containers/storage/overlay/abc/merged', runtimeSpec: { root: { path: 'rootfs' } } };
    assert.equal((await a.enrich({ ...detail, info: { info: JSON.stringify(old) } })).writableLayer?.upperDir, '/var/lib/containers/storage/overlay/abc/diff');
  });

  it('leaves the layer to stats when verbose info is missing or garbage', async () => {
    const a = adapter(join(dir, 'empty'));
    for (const info of [{}, { info: 'not json' }, { info: '{"runtimeSpec":{"root":{"path":"rootfs"}}}' }] as Record<string, string>[]) {
      const e = await a.enrich({ ...detail, info });
      assert.equal(e.writableLayer, undefined, JSON.stringify(info));
    }
  });

  it('takes the mount point from stats per poll, never complete', () => {
    assert.deepEqual(adapter('/proc').writableLayerFromStats(usage), { mergedDir: merged, upperDir: diff, source: SOURCE_STATS, complete: false });
    assert.equal(layerFromStats(undefined), undefined);
    assert.equal(layerFromStats({ id: 'x', timestamp: 1, writableLayer: { mountpoint: '' } }), undefined);
  });

  it('follows the containers/storage layout, and derives nothing from other drivers', () => {
    assert.equal(upperDirBeside('/var/lib/containers/storage/overlay/abc/merged'), '/var/lib/containers/storage/overlay/abc/diff');
    assert.equal(upperDirBeside('/var/lib/containers/storage/overlay/abc/merged/'), '/var/lib/containers/storage/overlay/abc/diff');
    assert.equal(upperDirBeside('/var/lib/containers/storage/overlay/abc/diff'), '/var/lib/containers/storage/overlay/abc/diff', 'a layer without lower layers is its own mount point');
    assert.equal(upperDirBeside('/var/lib/containers/storage/vfs/dir/abc'), '');
  });
});

describe('adapter factory', () => {
  it('serves containerd and CRI-O with their own adapters, anything else generically', () => {
    const factory = adapterFactory({ runtimeEndpoint: parseEndpoint('unix:///run/x.sock'), hostProc: '/proc', timeoutMs: 1000 });
    for (const type of ['containerd', 'cri-o', 'kata']) {
      const a = factory(type);
      assert.equal(a.type, type);
      a.close();
    }
  });
});
