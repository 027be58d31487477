// The pure parts of src/kube: the review cache, the token key, and the
// runtime cross-check with the Node object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenKey } from '../../src/kube/authorizer.js';
import { TtlCache } from '../../src/kube/cache.js';
import { crossCheck, parseContainerRuntimeVersion } from '../../src/kube/node-runtime.js';

describe('TtlCache', () => {
  it('forgets entries after their TTL', () => {
    let now = 1000;
    const c = new TtlCache<number>(10, () => now);
    c.set('a', 1, 100);
    assert.equal(c.get('a'), 1);
    now += 100;
    assert.equal(c.get('a'), undefined);
  });

  it('keeps at most maxEntries, evicting the least recently used', () => {
    const c = new TtlCache<number>(2);
    c.set('a', 1, 60_000);
    c.set('b', 2, 60_000);
    assert.equal(c.get('a'), 1); // a is now the most recent
    c.set('c', 3, 60_000);
    assert.equal(c.size, 2);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), 1);
    assert.equal(c.get('c'), 3);
  });
});

describe('tokenKey', () => {
  it('is a SHA-256 hex digest that does not contain the token', () => {
    const key = tokenKey('secret-token');
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.ok(!key.includes('secret'));
    assert.equal(key, tokenKey('secret-token'));
  });
});

describe('runtime cross-check with the Node object', () => {
  it('parses <runtime>://<version> and normalises the name', () => {
    assert.deepEqual(parseContainerRuntimeVersion('containerd://1.6.20'), { type: 'containerd', version: '1.6.20' });
    assert.deepEqual(parseContainerRuntimeVersion('cri-o://1.19.0'), { type: 'cri-o', version: '1.19.0' });
    assert.deepEqual(parseContainerRuntimeVersion('docker://19.3.13'), { type: 'docker', version: '19.3.13' });
    assert.equal(parseContainerRuntimeVersion('containerd 1.6'), undefined);
    assert.equal(parseContainerRuntimeVersion(''), undefined);
  });

  const cases: [{ type: string; version: string }, string, boolean][] = [
    [{ type: 'containerd', version: '1.6.20' }, 'containerd://1.6.20', true],
    [{ type: 'cri-o', version: '1.29.1' }, 'cri-o://1.29.1', true],
    [{ type: 'containerd', version: '1.6.20' }, 'containerd://1.7.0', false],
    [{ type: 'containerd', version: '1.6.20' }, 'cri-o://1.6.20', false],
    [{ type: '', version: '' }, 'containerd://1.6.20', false],
    [{ type: 'containerd', version: '1.6.20' }, '', false],
  ];
  for (const [cri, node, agrees] of cases) {
    it(`${JSON.stringify(cri)} vs "${node}" → agrees ${agrees}`, () => {
      assert.deepEqual(crossCheck(cri, node), { containerRuntimeVersion: node, agrees });
    });
  }
});
