import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DeviceNames } from '../../src/cgroups/device-names.js';
import { detectLayout, safeRelative } from '../../src/cgroups/hierarchy.js';
import { hostFiles, type HostFiles } from '../../src/cgroups/host-file.js';
import { OpenFiles } from '../../src/cgroups/open-files.js';
import { CgroupReader, SPEC_MAX_AGE_MS } from '../../src/cgroups/reader.js';
import { fixture, tempDir, v1Root, v2Root } from './fixtures.js';

const REL = 'kubepods/burstable/pod1234/c0ffee';
const GONE = 'kubepods/burstable/pod1234/gone';

/** The real file system, with every call it gets recorded. */
function countingFiles(): { files: HostFiles; calls: string[] } {
  const calls: string[] = [];
  const files: HostFiles = {
    read: (path) => (calls.push(`read ${path}`), hostFiles.read(path)),
    isPresent: (path) => (calls.push(`isPresent ${path}`), hostFiles.isPresent(path)),
  };
  return { files, calls };
}

describe('cgroup reader', () => {
  let tmp: ReturnType<typeof tempDir>;
  let devices: DeviceNames;
  beforeEach(() => {
    tmp = tempDir();
    mkdirSync(join(tmp.dir, 'proc'));
    writeFileSync(join(tmp.dir, 'proc', 'partitions'), fixture('proc/partitions'));
    devices = new DeviceNames(join(tmp.dir, 'proc'), join(tmp.dir, 'no-sys'));
  });
  afterEach(() => tmp.remove());

  async function readerAt(root: string, files?: HostFiles, clock?: () => number): Promise<CgroupReader> {
    const layout = await detectLayout(root);
    assert.ok(layout, `a layout under ${root}`);
    return new CgroupReader(layout, devices, files, clock);
  }

  it('finds v1 controllers, co-mounted ones too, and reads a container', async () => {
    const root = join(tmp.dir, 'v1');
    v1Root(root, 'v1/throttled', REL);
    const reader = await readerAt(root);
    assert.equal(reader.layout.version, 1);
    const read = reader.read(REL);
    assert.deepEqual(read.failures, []);
    assert.deepEqual(read.stats, {
      memoryCacheBytes: 20979712, memoryMappedFileBytes: 0, memoryLimitBytes: 268435456, oomKills: 0,
      cfsPeriods: 40, cfsThrottledPeriods: 39, cfsThrottledSeconds: 3.067254242,
      cpuQuotaMicros: 20000, cpuPeriodMicros: 100000, cpuShares: 256,
      io: [{ majorMinor: '254:0', device: '/dev/vda', readBytes: 0, writeBytes: 4390912, reads: 0, writes: 57 }],
    });
    assert.equal(reader.firstPid(REL), 21208);
  });

  it('with kept files, finds a container read in the poll before without looking for its directory', async () => {
    const root = join(tmp.dir, 'v1');
    v1Root(root, 'v1/throttled', REL);
    const files = new OpenFiles();
    const reader = await readerAt(root, files);
    const first = reader.read(REL);
    reader.sweep();
    // Gone from the tree, still held: had the reader asked for the directory, it would have found none and read nothing.
    rmSync(join(root, 'memory', REL), { recursive: true });
    const second = reader.read(REL);
    assert.equal(second.stats?.memoryCacheBytes, first.stats?.memoryCacheBytes);
    files.close();
    assert.equal(reader.read(REL).stats?.memoryCacheBytes, undefined, 'nothing kept: the directory is looked for, and missed');
  });

  it('does not report limits read earlier for a container whose files are all gone', async () => {
    const root = join(tmp.dir, 'v1');
    v1Root(root, 'v1/throttled', REL);
    const reader = await readerAt(root);
    assert.equal(reader.read(REL).stats?.memoryLimitBytes, 268435456);
    reader.sweep();
    // The directories stay (as a kept descriptor vouches for one), every file is gone (as after rmdir: ENODEV).
    for (const mount of ['cpu,cpuacct', 'memory', 'blkio']) {
      for (const name of readdirSync(join(root, mount, REL))) rmSync(join(root, mount, REL, name));
    }
    assert.deepEqual(reader.read(REL), { failures: [] }, 'no stats: limits still within their minute are not taken as a sign of life');
  });

  it('reads a v2 container from its one directory', async () => {
    const root = join(tmp.dir, 'v2');
    v2Root(root, 'v2/limited', REL);
    const reader = await readerAt(root);
    assert.equal(reader.layout.version, 2);
    const read = reader.read(REL);
    assert.deepEqual(read.failures, []);
    assert.deepEqual(read.stats, {
      memoryCacheBytes: 20979712, memoryMappedFileBytes: 1466368, memoryLimitBytes: 268435456, oomKills: 1,
      cfsPeriods: 40, cfsThrottledPeriods: 39, cfsThrottledSeconds: 3.067254,
      cpuQuotaMicros: 20000, cpuPeriodMicros: 100000, cpuShares: 237,
      io: [
        { majorMinor: '253:0', device: '253:0', readBytes: 4096, writeBytes: 0, reads: 1, writes: 0 },
        { majorMinor: '254:0', device: '/dev/vda', readBytes: 8192, writeBytes: 4390912, reads: 2, writes: 57 },
      ],
    });
    assert.equal(reader.firstPid(REL), 21208);
  });

  it('treats a cgroup that vanished (the container exited) as no stats and no error', async () => {
    const root = join(tmp.dir, 'v1');
    v1Root(root, 'v1/throttled', REL);
    const reader = await readerAt(root);
    assert.deepEqual(reader.read(GONE), { failures: [] });
    assert.equal(reader.firstPid(GONE), undefined);
  });

  // A runtime can list hundreds of containers whose cgroups are not on this host; each failed read costs an error object.
  for (const [version, build] of [['v1', v1Root], ['v2', v2Root]] as const) {
    it(`settles a gone ${version} container with one file system call, not one per file`, async () => {
      const root = join(tmp.dir, version);
      build(root, `${version}/${version === 'v1' ? 'throttled' : 'limited'}`, REL);
      const { files, calls } = countingFiles();
      const reader = await readerAt(root, files);
      assert.deepEqual(reader.read(GONE), { failures: [] });
      assert.equal(calls.length, 1, calls.join('\n'));
      assert.match(calls[0] ?? '', version === 'v1' ? /^isPresent .*\/memory\/.*\/gone$/ : /^isPresent .*\/gone$/);
    });
  }

  it('settles a gone pod\'s process count with one file system call', async () => {
    const root = join(tmp.dir, 'v2');
    v2Root(root, 'v2/limited', REL);
    const { files, calls } = countingFiles();
    const reader = await readerAt(root, files);
    assert.equal(reader.processCount('kubepods/burstable/gone-pod'), undefined);
    assert.deepEqual(calls.map((c) => c.replace(root, 'ROOT')), ['isPresent ROOT/kubepods/burstable/gone-pod']);
  });

  it('on v1, looks no further than the memory controller for a gone container', async () => {
    const root = join(tmp.dir, 'v1');
    v1Root(root, 'v1/throttled', REL);
    // Torn down in memory first: the cpu files left behind are not read, so their state cannot turn into errors.
    mkdirSync(join(root, 'cpu,cpuacct', GONE));
    writeFileSync(join(root, 'cpu,cpuacct', GONE, 'cpu.shares'), 'lots\n');
    assert.deepEqual((await readerAt(root)).read(GONE), { failures: [] });
  });

  it('reports a container directory that exists but cannot be examined once, naming it', async () => {
    const root = join(tmp.dir, 'v2');
    v2Root(root, 'v2/limited', REL);
    symlinkSync('loop', join(root, 'kubepods/burstable/pod1234/loop')); // ELOOP
    const { files, calls } = countingFiles();
    const read = (await readerAt(root, files)).read('kubepods/burstable/pod1234/loop');
    assert.equal(read.stats, undefined);
    assert.equal(read.failures.length, 1);
    assert.match(read.failures[0] ?? '', /pod1234\/loop: ELOOP/);
    assert.equal(calls.length, 1);
  });

  it('keeps the rest when one file fails, naming the file', async () => {
    const root = join(tmp.dir, 'v1');
    v1Root(root, 'v1/throttled', REL);
    writeFileSync(join(root, 'cpu,cpuacct', REL, 'cpu.shares'), 'lots\n');
    rmSync(join(root, 'memory', REL, 'memory.stat'));
    mkdirSync(join(root, 'memory', REL, 'memory.stat')); // EISDIR: exists but cannot be read
    const read = (await readerAt(root)).read(REL);
    assert.equal(read.stats?.cpuShares, undefined);
    assert.equal(read.stats?.memoryCacheBytes, undefined);
    assert.equal(read.stats?.cpuQuotaMicros, 20000);
    assert.equal(read.failures.length, 2);
    assert.match(read.failures.join('\n'), /cpu,cpuacct\/kubepods\/burstable\/pod1234\/c0ffee\/cpu\.shares: expected an integer, found "lots"/);
    assert.match(read.failures.join('\n'), /memory\/kubepods\/burstable\/pod1234\/c0ffee\/memory\.stat: EISDIR/);
  });

  it('says why no process could be found when cgroup.procs exists but fails', async () => {
    const root = join(tmp.dir, 'v2');
    v2Root(root, 'v2/limited', REL);
    rmSync(join(root, REL, 'cgroup.procs'));
    mkdirSync(join(root, REL, 'cgroup.procs'));
    const reader = await readerAt(root);
    assert.throws(() => reader.firstPid(REL), /c0ffee\/cgroup\.procs: EISDIR/);
  });

  it('falls back to the non-recursive blkio files on old kernels', async () => {
    const root = join(tmp.dir, 'v1');
    v1Root(root, 'v1/throttled', REL);
    const dir = join(root, 'blkio', REL);
    rmSync(join(dir, 'blkio.throttle.io_service_bytes_recursive'));
    rmSync(join(dir, 'blkio.throttle.io_serviced_recursive'));
    writeFileSync(join(dir, 'blkio.throttle.io_service_bytes'), '254:0 Read 4096\n254:0 Write 0\nTotal 4096\n');
    const read = (await readerAt(root)).read(REL);
    assert.deepEqual(read.stats?.io, [{ majorMinor: '254:0', device: '/dev/vda', readBytes: 4096, writeBytes: 0, reads: 0, writes: 0 }]);
  });

  describe('limits', () => {
    const SPEC_FILES = /cpu\.cfs_quota_us|cpu\.cfs_period_us|cpu\.shares|memory\.limit_in_bytes/;
    let now: number;
    let counted: ReturnType<typeof countingFiles>;
    let reader: CgroupReader;
    let root: string;
    beforeEach(async () => {
      now = 1_000_000;
      root = join(tmp.dir, 'v1');
      v1Root(root, 'v1/throttled', REL);
      counted = countingFiles();
      reader = await readerAt(root, counted.files, () => now);
    });
    const specReads = () => counted.calls.filter((c) => SPEC_FILES.test(c)).length;

    it('are read once a minute, usage on every read', () => {
      assert.equal(reader.read(REL).stats?.memoryLimitBytes, 268435456);
      assert.equal(specReads(), 4);
      writeFileSync(join(root, 'memory', REL, 'memory.limit_in_bytes'), '536870912\n');
      writeFileSync(join(root, 'memory', REL, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n');
      now += SPEC_MAX_AGE_MS - 1;
      reader.sweep();
      const cached = reader.read(REL).stats;
      assert.equal(specReads(), 4, 'no limit file read again within the minute');
      assert.equal(cached?.memoryLimitBytes, 268435456);
      assert.equal(cached?.cpuQuotaMicros, 20000, 'the cached quota still marks the container as having one');
      assert.equal(cached?.oomKills, 3, 'usage is read afresh');
      now += 1;
      assert.equal(reader.read(REL).stats?.memoryLimitBytes, 536870912);
      assert.equal(specReads(), 8);
    });

    it('are read again for a cgroup a poll did not read (a container that went and came back)', () => {
      reader.read(REL);
      reader.sweep();
      reader.sweep();
      reader.read(REL);
      assert.equal(specReads(), 8);
    });

    it('are read again on the next read when one failed, so its error is not hidden for a minute', () => {
      writeFileSync(join(root, 'cpu,cpuacct', REL, 'cpu.shares'), 'lots\n');
      assert.equal(reader.read(REL).failures.length, 1);
      writeFileSync(join(root, 'cpu,cpuacct', REL, 'cpu.shares'), '512\n');
      const read = reader.read(REL);
      assert.deepEqual(read.failures, []);
      assert.equal(read.stats?.cpuShares, 512);
      assert.equal(specReads(), 8);
    });
  });

  it('finds no layout where no cgroup filesystem is', async () => {
    assert.equal(await detectLayout(join(tmp.dir, 'missing')), undefined);
    mkdirSync(join(tmp.dir, 'empty'));
    assert.equal(await detectLayout(join(tmp.dir, 'empty')), undefined);
  });

  it('keeps runtime-given paths inside the hierarchy', () => {
    assert.equal(safeRelative('/kubepods/pod1/abc'), 'kubepods/pod1/abc');
    assert.equal(safeRelative('/kubepods/../../etc'), undefined);
    assert.equal(safeRelative('/'), undefined);
  });

});
