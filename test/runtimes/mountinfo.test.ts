import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { optionValue, parseMountInfo, rootMount } from '../../src/runtimes/mountinfo.js';

describe('parseMountInfo', () => {
  it('reads mount point, type, source and superblock options, unescaping octal escapes', () => {
    const [e] = parseMountInfo('45 27 0:40 / /run/with\\040space/rootfs rw,relatime shared:5 - overlay overlay rw,upperdir=/a\\054b/fs,lowerdir=/l1:/l2\n');
    assert.deepEqual(e, { mountPoint: '/run/with space/rootfs', fsType: 'overlay', source: 'overlay', superOptions: ['rw', 'upperdir=/a,b/fs', 'lowerdir=/l1:/l2'] });
    assert.equal(optionValue(e?.superOptions ?? [], 'upperdir'), '/a,b/fs');
    assert.equal(optionValue(e?.superOptions ?? [], 'workdir'), undefined);
  });

  it('skips malformed lines', () => {
    assert.deepEqual(parseMountInfo('garbage\n\n1 2 3\n'), []);
  });

  it('takes the last mount stacked on / as the root', () => {
    const entries = parseMountInfo('1 0 0:1 / / rw - ext4 /dev/vda rw\n2 1 0:2 / / rw - overlay overlay rw,upperdir=/u\n3 2 0:3 / /proc rw - proc proc rw\n');
    assert.equal(rootMount(entries)?.fsType, 'overlay');
    assert.equal(rootMount([]), undefined);
  });
});
