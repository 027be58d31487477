// The containerd adapter on answers recorded from a real containerd 1.6
// (test/fixtures/containerd, see record.ts there): a fake Snapshots server
// replays Mounts, a temp dir stands in for the host's /proc.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import type { ContainerDetail } from '../../src/cri/types.js';
import type { RuntimeAdapter } from '../../src/runtimes/adapter.js';
import { ContainerdApiError } from '../../src/runtimes/containerd-api-error.js';
import { matchRootfs } from '../../src/runtimes/containerd-rootfs.js';
import { toMounts } from '../../src/runtimes/containerd-snapshots.js';
import { containerdAdapter, SOURCE_SNAPSHOTS, SOURCE_VERBOSE, upperDirOf, type ContainerdAdapterOptions } from '../../src/runtimes/containerd.js';
import { parseMountInfo } from '../../src/runtimes/mountinfo.js';
import {
  fakeProc, fakeSnapshots, fixtureJson, fixtureText, recordedDetail, RUNNING_PID, SNAPSHOT_NOT_FOUND, tempDir,
  type FakeSnapshots, type MountsAnswer,
} from './containerd-fakes.js';

const SNAPSHOTS = '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots';
const TASKS = '/run/containerd/io.containerd.runtime.v2.task/k8s.io';

let dir: string;
let removeDir: () => Promise<void>;
let running: ContainerDetail;
let exited: ContainerDetail;
let shimTable: string;
const servers: FakeSnapshots[] = [];
const adapters: RuntimeAdapter[] = [];

before(async () => {
  ({ dir, remove: removeDir } = await tempDir());
  running = await recordedDetail('running-status.json');
  exited = await recordedDetail('exited-status.json');
  shimTable = await fixtureText('mountinfo-shim.txt');
});

after(async () => {
  for (const a of adapters) a.close();
  for (const s of servers) await s.stop();
  await removeDir();
});

/** Mounts answers as containerd gave them, by snapshot key; NOT_FOUND for any other key. */
async function recordedAnswers(): Promise<(key: string) => MountsAnswer> {
  const byKey = new Map<string, { mounts: unknown[] }>([
    [running.id, await fixtureJson('running-mounts.json')],
    [exited.id, await fixtureJson('exited-mounts.json')],
  ]);
  return (key) => byKey.get(key) ?? SNAPSHOT_NOT_FOUND(key);
}

async function serve(answer?: (key: string) => MountsAnswer): Promise<FakeSnapshots> {
  const s = await fakeSnapshots(dir, answer);
  servers.push(s);
  return s;
}

async function adapter(endpoint: string, hostProc: string, opts: ContainerdAdapterOptions = {}, timeoutMs = 2000): Promise<RuntimeAdapter> {
  const a = containerdAdapter({ runtimeEndpoint: parseEndpoint(endpoint), hostProc, timeoutMs }, opts);
  adapters.push(a);
  return a;
}

describe('containerd adapter, Snapshots API answering', () => {
  it('names upper dir (snapshots API) and merged dir (shim mount table) of a running container: complete', async () => {
    const server = await serve(await recordedAnswers());
    const hostProc = await fakeProc(join(dir, 'p1'), { shimTable });
    const a = await adapter(server.endpoint, hostProc);
    const e = await a.enrich(running);
    assert.deepEqual(e.writableLayer, {
      mergedDir: `${TASKS}/${running.id}/rootfs`,
      upperDir: `${SNAPSHOTS}/3/fs`,
      source: SOURCE_SNAPSHOTS,
      complete: true,
    });
    assert.equal(e.retry, undefined);
    assert.equal(e.cgroupPath, `/cri-exporter-e2e/pod11111111-2222-4333-8444-555555555555/${running.id}`);
    assert.equal(e.pid, RUNNING_PID, 'from the info document already parsed, so the poller need not parse it again');
    assert.deepEqual(server.requests, [{ snapshotter: 'overlayfs', key: running.id, namespace: 'k8s.io' }]);
  });

  it('gives an exited container its upper dir only: its rootfs is unmounted, so not complete', async () => {
    const server = await serve(await recordedAnswers());
    const a = await adapter(server.endpoint, await fakeProc(join(dir, 'p2'), { shimTable }));
    const e = await a.enrich(exited);
    assert.deepEqual(e.writableLayer, { mergedDir: '', upperDir: `${SNAPSHOTS}/4/fs`, source: SOURCE_SNAPSHOTS, complete: false });
    assert.equal(e.retry, undefined, 'final: nothing to ask again');
    assert.equal(e.pid, 0, 'not running');
  });

  it('finds the rootfs in the host init\'s mount table when the shim\'s is unreadable', async () => {
    const server = await serve(await recordedAnswers());
    const a = await adapter(server.endpoint, await fakeProc(join(dir, 'p3'), { initTable: shimTable }));
    const e = await a.enrich(running);
    assert.equal(e.writableLayer?.mergedDir, `${TASKS}/${running.id}/rootfs`);
    assert.equal(e.writableLayer?.complete, true);
  });

  it('falls back to <host-proc>/<pid>/root, incomplete, when no mount table shows the rootfs', async () => {
    const server = await serve(await recordedAnswers());
    const hostProc = await fakeProc(join(dir, 'p4'), { cgroup: `12:pids:/cri-exporter-e2e/podx/${running.id}\n` });
    const a = await adapter(server.endpoint, hostProc);
    const e = await a.enrich(running);
    assert.deepEqual(e.writableLayer, { mergedDir: join(hostProc, String(RUNNING_PID), 'root'), upperDir: `${SNAPSHOTS}/3/fs`, source: SOURCE_SNAPSHOTS, complete: false });
  });

  it('does not trust <host-proc>/<pid>/root of a PID that is not the container\'s', async () => {
    const server = await serve(await recordedAnswers());
    const a = await adapter(server.endpoint, await fakeProc(join(dir, 'p5'), { cgroup: '12:pids:/user.slice/some-other\n' }));
    const e = await a.enrich(running);
    assert.equal(e.writableLayer?.mergedDir, '');
    assert.equal(e.writableLayer?.complete, false);
  });
});

describe('containerd adapter, Snapshots API failing', () => {
  it('socket without the Snapshots service (UNIMPLEMENTED): verbose info and mount tables only, marked, retried later', async () => {
    const server = await serve();
    const a = await adapter(server.endpoint, await fakeProc(join(dir, 'f1'), { shimTable }));
    const e = await a.enrich(running);
    assert.deepEqual(e.writableLayer, {
      mergedDir: `${TASKS}/${running.id}/rootfs`, upperDir: `${SNAPSHOTS}/3/fs`, source: SOURCE_VERBOSE, complete: false,
    });
    assert.equal(e.retry, true);
  });

  it('connection refused: degrades the same way and never throws', async () => {
    const stale = join(dir, 'stale.sock');
    await writeFile(stale, ''); // a path nobody listens on
    const a = await adapter(`unix://${stale}`, await fakeProc(join(dir, 'f2'), { shimTable }));
    const e = await a.enrich(running);
    assert.equal(e.writableLayer?.source, SOURCE_VERBOSE);
    assert.equal(e.writableLayer?.complete, false);
    assert.equal(e.writableLayer?.mergedDir, `${TASKS}/${running.id}/rootfs`);
    assert.equal(e.retry, true);
  });

  it('container gone between calls (NOT_FOUND from Mounts): degrades, and does not ask again', async () => {
    const server = await serve(SNAPSHOT_NOT_FOUND);
    const a = await adapter(server.endpoint, await fakeProc(join(dir, 'f3'), {}));
    const e = await a.enrich(running);
    assert.deepEqual(e.writableLayer, { mergedDir: '', upperDir: '', source: SOURCE_VERBOSE, complete: false });
    assert.equal(e.retry, false);
    assert.equal(server.requests.length, 1);
  });

  it('ends a hung Mounts call at the deadline', async () => {
    const server = await serve(() => 'hang');
    const a = await adapter(server.endpoint, await fakeProc(join(dir, 'f4'), { shimTable }), {}, 200);
    const started = Date.now();
    const e = await a.enrich(running);
    assert.ok(Date.now() - started < 2000, 'returned at the deadline');
    assert.equal(e.writableLayer?.source, SOURCE_VERBOSE);
    assert.equal(e.retry, true);
  });

  it('after the API proved down, leaves it alone for a while instead of paying a deadline per container', async () => {
    let calls = 0;
    let now = 1_000_000;
    const snapshots = {
      mounts: async () => {
        calls++;
        throw new ContainerdApiError('Snapshots/Mounts', 'unix:///x.sock', 'UNAVAILABLE', 'connect ECONNREFUSED');
      },
      close: () => undefined,
    };
    const a = await adapter('unix:///nowhere.sock', await fakeProc(join(dir, 'f5'), {}), { snapshots, now: () => now });
    await a.enrich(running);
    await a.enrich(exited);
    assert.equal(calls, 1, 'second container did not wait for the API');
    now += 31_000;
    const e = await a.enrich(exited);
    assert.equal(calls, 2, 'asked again after the cooldown');
    assert.equal(e.retry, true);
  });

  it('garbage in verbose info: no native call, no cgroup, nothing invented', async () => {
    const server = await serve(await recordedAnswers());
    const a = await adapter(server.endpoint, await fakeProc(join(dir, 'f6'), { shimTable }));
    for (const info of [{ info: '{"snapshotKey": "abc", "pid": ' }, { info: '[1,2]' }, { info: 'null' }, {}] as Record<string, string>[]) {
      const e = await a.enrich({ ...running, info });
      assert.equal(e.cgroupPath, '');
      assert.equal(e.writableLayer?.source, SOURCE_VERBOSE);
      assert.equal(e.writableLayer?.complete, false);
      assert.equal(e.writableLayer?.upperDir, '', JSON.stringify(info));
    }
    assert.equal(server.requests.length, 0);
  });

  it('mistyped fields in verbose info are ignored, not trusted', async () => {
    const server = await serve(await recordedAnswers());
    const a = await adapter(server.endpoint, await fakeProc(join(dir, 'f7'), {}));
    const info = { info: JSON.stringify({ snapshotter: 7, snapshotKey: ['x'], pid: '4242', runtimeSpec: { root: 'rootfs', linux: null } }) };
    const e = await a.enrich({ ...running, info });
    assert.deepEqual(e.writableLayer, { mergedDir: '', upperDir: '', source: SOURCE_VERBOSE, complete: false });
    assert.equal(server.requests.length, 0);
  });

  it('reports no writable layer from stats: containerd names only the snapshotter root there', async () => {
    const a = await adapter('unix:///nowhere.sock', '/proc');
    assert.equal(a.writableLayerFromStats({ id: 'x', timestamp: 1, writableLayer: { mountpoint: '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs' } }), undefined);
  });
});

describe('containerd snapshot mounts and rootfs matching', () => {
  it('takes the writable dir from overlay options, a bind source, or nothing', () => {
    assert.equal(upperDirOf([{ type: 'overlay', source: 'overlay', options: ['index=off', 'workdir=/s/2/work', 'upperdir=/s/2/fs', 'lowerdir=/s/1/fs'] }]), '/s/2/fs');
    assert.equal(upperDirOf([{ type: 'bind', source: '/s/1/fs', options: ['rbind', 'rw'] }]), '/s/1/fs');
    assert.equal(upperDirOf([{ type: 'ext4', source: '/dev/mapper/containerd-pool-snap-9', options: [] }]), '');
    assert.equal(upperDirOf([{ type: 'overlay', source: 'overlay', options: ['lowerdir=/s/2/fs:/s/1/fs'] }]), '', 'a view has no upper');
    assert.equal(upperDirOf([]), '');
  });

  it('matches the rootfs by container ID and root path, and rejects one stacking another upper dir', async () => {
    const entries = parseMountInfo(await fixtureText('mountinfo-shim.txt'));
    const q = { id: running.id, pid: RUNNING_PID, rootPath: 'rootfs', upperDir: `${SNAPSHOTS}/3/fs` };
    assert.equal(matchRootfs(entries, q)?.mountPoint, `${TASKS}/${running.id}/rootfs`);
    assert.equal(matchRootfs(entries, { ...q, upperDir: '' })?.mountPoint, `${TASKS}/${running.id}/rootfs`);
    assert.equal(matchRootfs(entries, { ...q, upperDir: `${SNAPSHOTS}/9/fs` }), undefined);
    assert.equal(matchRootfs(entries, { ...q, id: exited.id }), undefined);
  });

  it('reads the recorded Mounts answer, and tolerates a malformed one', async () => {
    assert.equal(upperDirOf(toMounts(await fixtureJson('running-mounts.json'))), `${SNAPSHOTS}/3/fs`);
    assert.deepEqual(toMounts({ mounts: [null, { type: 3, options: ['upperdir=/x', 4] }] }), [
      { type: '', source: '', options: [] }, { type: '', source: '', options: ['upperdir=/x'] },
    ]);
    assert.deepEqual(toMounts(null), []);
  });
});
