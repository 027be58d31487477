import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detached, optionValue, parseMountInfo, rootMount } from '../../src/runtimes/mountinfo.js';

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

  it('copies a path out of its table unchanged', () => {
    const [e] = parseMountInfo(`45 27 0:40 / /run/k8s.io/${'c'.repeat(64)}/rootfs\\040ü rw - overlay overlay rw,upperdir=/u\n`);
    assert.equal(detached(e?.mountPoint ?? ''), `/run/k8s.io/${'c'.repeat(64)}/rootfs ü`);
    assert.equal(detached(''), '');
  });
});
