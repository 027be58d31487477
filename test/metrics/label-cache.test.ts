import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelCache, newLabelRound } from '../../src/metrics/label-cache.js';

describe('LabelCache', () => {
  const built: string[][] = [];
  const cache = new LabelCache((v) => {
    built.push([...v]);
    return v.map((x, i) => `l${i}="${x}"`).join(',');
  });
  // Equal values that are not the same string objects, as each poll decodes them anew.
  const fresh = (s: string) => [...s].join('');

  it('builds a key\'s bytes once while its values stay the same', () => {
    const first = cache.bytes('c1', ['web', 'shop']);
    const again = cache.bytes('c1', [fresh('web'), fresh('shop')]);
    assert.equal(first.toString(), 'l0="web",l1="shop"');
    assert.equal(again, first, 'the same Buffer');
    assert.equal(built.length, 1);
  });

  it('builds them again when a value changed', () => {
    const changed = cache.bytes('c1', ['web', 'shop-2']);
    assert.equal(changed.toString(), 'l0="web",l1="shop-2"');
    assert.equal(cache.bytes('c1', ['web']).toString(), 'l0="web"', 'fewer values are a change too');
  });

  it('forgets keys the last two rounds did not ask for, and keeps those they did', () => {
    cache.bytes('gone', ['x']);
    cache.bytes('kept', ['y']);
    newLabelRound();
    cache.bytes('kept', ['y']);
    newLabelRound();
    assert.equal(cache.size, 3, 'gone is still within two rounds');
    cache.bytes('kept', ['y']);
    newLabelRound();
    assert.equal(cache.size, 1);
    const before = built.length;
    cache.bytes('kept', ['y']);
    assert.equal(built.length, before, 'kept was not rebuilt');
  });
});

describe('LabelCache memory', () => {
  it('keeps each key\'s bytes in memory of their own, not in a slab shared with short-lived buffers', () => {
    const cache = new LabelCache((v) => v.map((x, i) => `l${i}="${x}"`).join(','));
    const bytes = cache.bytes('own', ['pod-\u00e9', 'ns']);
    assert.equal(bytes.toString(), 'l0="pod-\u00e9",l1="ns"', 'UTF-8, every byte written');
    assert.equal(bytes.byteOffset, 0);
    assert.equal(bytes.buffer.byteLength, bytes.length, 'a slice of a larger (pooled) ArrayBuffer would keep all of it alive');
  });
});
