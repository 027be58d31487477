// What validation keeps of a poll's lists, what it reports, and the index by
// ID it leaves with each kept list for the snapshot build to reuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexById } from '../../src/poller/snapshot.js';
import { isSaneId, keepValid, type InvalidKind, type InvalidReason } from '../../src/poller/validate.js';

type Row = { readonly id: string; readonly n: number };

function observed(): { seen: [InvalidKind, InvalidReason, number][]; observe: (k: InvalidKind, r: InvalidReason, n: number) => void } {
  const seen: [InvalidKind, InvalidReason, number][] = [];
  return { seen, observe: (k, r, n) => void seen.push([k, r, n]) };
}

describe('keepValid', () => {
  it('returns a clean list itself, indexed, and reports nothing', () => {
    const rows: Row[] = [{ id: 'a1', n: 1 }, { id: 'b2', n: 2 }, { id: 'c3', n: 3 }];
    const { seen, observe } = observed();
    const kept = keepValid(rows, 'container', observe);
    assert.equal(kept, rows, 'no copy when nothing is dropped');
    assert.deepEqual(seen, []);
    const index = indexById(kept);
    assert.deepEqual([...index.keys()], ['a1', 'b2', 'c3']);
    assert.equal(index.get('b2'), rows[1]);
    assert.equal(indexById(kept), index, 'the index validation built, not a new one');
  });

  it('drops bad and repeated IDs from a copy, keeping the first of each, and counts them', () => {
    const rows: Row[] = [
      { id: 'a1', n: 1 }, { id: 'has space', n: 2 }, { id: 'a1', n: 3 }, { id: '../x', n: 4 }, { id: 'b2', n: 5 }, { id: '', n: 6 }, { id: 'b2', n: 7 },
    ];
    const { seen, observe } = observed();
    const kept = keepValid(rows, 'sandbox', observe);
    assert.notEqual(kept, rows);
    assert.deepEqual(kept.map((r) => r.n), [1, 5]);
    assert.deepEqual(seen, [['sandbox', 'bad_id', 3], ['sandbox', 'duplicate_id', 2]]);
    assert.equal(rows.length, 7, 'the input is left as it was');
    const index = indexById(kept);
    assert.deepEqual([...index.entries()].map(([id, r]) => [id, r.n]), [['a1', 1], ['b2', 5]]);
    assert.equal(indexById(rows).get('a1')?.n, 3, 'an unvalidated list is indexed anew, the last of an ID winning');
  });

  it('takes printable tokens as IDs, and nothing that splits a path or a line', () => {
    for (const id of ['0123abcdef', 'k8s_POD_x-1', 'a.b:c@d']) assert.ok(isSaneId(id), id);
    for (const id of ['', '.', '..', 'a/b', 'a b', 'a\nb', 'x'.repeat(257), 'é']) assert.ok(!isSaneId(id), JSON.stringify(id));
  });
});
