import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot } from '../../src/poller/build.js';
import { byId, indexById, deepFreeze } from '../../src/poller/snapshot.js';
import { pollResults, webApp } from '../fixtures/poll-results.js';

const ctx = { seq: 1, now: 1_700_000_500, lastSuccessAt: 0 };

describe('snapshot helpers', () => {
  it('deepFreeze freezes nested objects and arrays, and leaves frozen parts as they are', () => {
    const shared = Object.freeze({ a: { b: 1 } });
    const value = deepFreeze({ list: [{ x: 1 }, [2, { y: 3 }]], shared, nothing: null, count: 4 });
    assert.ok(Object.isFrozen(value));
    assert.ok(Object.isFrozen(value.list) && Object.isFrozen(value.list[0]) && Object.isFrozen(value.list[1]));
    assert.ok(Object.isFrozen((value.list[1] as unknown[])[1]));
    assert.equal(Object.isFrozen(shared.a), false, 'a part frozen already is not walked again');
  });

  it('byId keeps the last of equal IDs, as a Map built from pairs does', () => {
    const items = [{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'a', n: 3 }];
    assert.deepEqual([...byId(items)], [...new Map(items.map((i) => [i.id, i]))]);
    assert.equal(byId(items).get('a')?.n, 3);
  });

  it('indexById indexes a snapshot’s list once, and a list that may still change every time', () => {
    const s = buildSnapshot(pollResults(), ctx);
    const index = indexById(s.containers);
    assert.equal(indexById(s.containers), index, 'one index per frozen list');
    assert.equal(index.get(webApp.id), s.containers.find((c) => c.id === webApp.id));
    assert.equal(index.size, s.containers.length);
    const open = [...s.containers];
    const first = indexById(open);
    open.pop();
    assert.notEqual(indexById(open), first);
    assert.equal(indexById(open).size, s.containers.length - 1);
  });
});
