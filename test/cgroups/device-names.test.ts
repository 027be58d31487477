import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DeviceNames } from '../../src/cgroups/device-names.js';
import { parsePartitions } from '../../src/cgroups/partitions.js';
import { fixture, tempDir } from './fixtures.js';

describe('block device names', () => {
  it('parses /proc/partitions into /dev paths (recorded)', () => {
    assert.deepEqual([...parsePartitions(fixture('proc/partitions'))], [['254:0', '/dev/vda']]);
  });

  it('names disks and partitions alike', () => {
    const text = 'major minor  #blocks  name\n\n 259        0  500107608 nvme0n1\n 259        1     524288 nvme0n1p1\n   8       16  1000 sdb\n';
    assert.deepEqual([...parsePartitions(text)], [['259:0', '/dev/nvme0n1'], ['259:1', '/dev/nvme0n1p1'], ['8:16', '/dev/sdb']]);
  });

  describe('resolution', () => {
    let tmp: ReturnType<typeof tempDir>;
    let proc: string;
    let sys: string;
    beforeEach(() => {
      tmp = tempDir();
      proc = join(tmp.dir, 'proc');
      sys = join(tmp.dir, 'sys-dev-block');
      mkdirSync(proc);
      mkdirSync(sys);
      writeFileSync(join(proc, 'partitions'), fixture('proc/partitions'));
    });
    afterEach(() => tmp.remove());

    it('uses <host-proc>/partitions', () => {
      assert.equal(new DeviceNames(proc, sys).name('254:0'), '/dev/vda');
    });

    it('reads the table again, once per poll, when a new device appears', () => {
      const names = new DeviceNames(proc, sys);
      assert.equal(names.name('254:0'), '/dev/vda');
      writeFileSync(join(proc, 'partitions'), `${fixture('proc/partitions')} 254       16  1048576 vdb\n`);
      names.newPoll();
      assert.equal(names.name('254:16'), '/dev/vdb');
    });

    it('falls back to /sys/dev/block, then to major:minor so that series stay apart', () => {
      symlinkSync('../../devices/virtual/block/zram0', join(sys, '253:0'));
      const names = new DeviceNames(proc, sys);
      assert.equal(names.name('253:0'), '/dev/zram0');
      assert.equal(names.name('7:9'), '7:9');
    });

    it('works without a partitions file', () => {
      assert.equal(new DeviceNames(join(tmp.dir, 'nowhere'), sys).name('254:0'), '254:0');
    });
  });
});
