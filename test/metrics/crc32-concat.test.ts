import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { crc32Concat } from '../../src/metrics/crc32-concat.js';

describe('crc32Concat', () => {
  it('gives what zlib computes over the two byte strings joined', () => {
    for (const [a, b] of [[0, 0], [0, 5], [5, 0], [1, 1], [3, 7], [100, 1], [1, 4096], [65_537, 123_457]] as const) {
      const first = randomBytes(a);
      const second = randomBytes(b);
      assert.equal(crc32Concat(crc32(first), crc32(second), second.length), crc32(Buffer.concat([first, second])), `${a} + ${b} bytes`);
    }
  });

  it('joins many parts in order, as a gzip member of several families is', () => {
    const parts = Array.from({ length: 40 }, (_, i) => Buffer.from(`family_${i}{pod="p"} ${i * 1e9}\n`.repeat(i + 1)));
    const joined = parts.reduce((crc, p) => crc32Concat(crc, crc32(p), p.length), 0);
    assert.equal(joined, crc32(Buffer.concat(parts)));
  });

  it('refuses a length that is not a byte count', () => {
    assert.throws(() => crc32Concat(1, 2, -1), /not a byte count/);
    assert.throws(() => crc32Concat(1, 2, 1.5), /not a byte count/);
  });
});
