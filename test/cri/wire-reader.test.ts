import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { MalformedAnswerError } from '../../src/cri/errors.js';
import { fieldMask, tagOf, WireReader } from '../../src/cri/wire-reader.js';
import { createRandom } from '../../src/sim/random.js';
import { w, WT } from './wire-writer.js';

const reader = (b: Buffer) => new WireReader(b, 'Test answer');
/** protobufjs gives 64-bit integers as Long (from the long package) when it is installed, as it is here. */
const longToNumber = (v: number | protobuf.Long) => (typeof v === 'number' ? v : (v as unknown as { toNumber(): number }).toNumber());

describe('WireReader', () => {
  it('reads 64-bit varints to the same numbers as protobufjs, past 2^53 and negative alike', () => {
    const rand = createRandom(99);
    const values = [0n, 1n, 127n, 128n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, -1n, -(2n ** 63n)];
    for (let i = 0; i < 2000; i++) {
      const bits = BigInt(Math.floor(rand() * 64));
      values.push(BigInt.asUintN(64, (BigInt(Math.floor(rand() * 2 ** 32)) << 32n | BigInt(Math.floor(rand() * 2 ** 32))) >> bits));
    }
    for (const v of values) {
      const b = w().varint(v).finish();
      const theirs = protobuf.Reader.create(b);
      const ours = reader(b);
      assert.equal(ours.uint64(), longToNumber(theirs.uint64()), `uint64 ${v}`);
      assert.equal(ours.pos, b.length);
      assert.equal(reader(b).int64(), longToNumber(protobuf.Reader.create(b).int64()), `int64 ${v}`);
      if (b.length <= 5 || b.length === 10) {
        // protobufjs reads 32-bit fields from 5 bytes, or 10 for a sign-extended negative; other lengths only come from garbage.
        assert.equal(reader(b).uint32(), protobuf.Reader.create(b).uint32(), `uint32 ${v}`);
        assert.equal(reader(b).int32(), protobuf.Reader.create(b).int32(), `int32 ${v}`);
      }
    }
  });

  it('drops bits past the 64th of a 10-byte varint, as protobufjs does', () => {
    const b = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    assert.equal(reader(b).uint64(), longToNumber(protobuf.Reader.create(b).uint64()));
    assert.equal(reader(b).uint64(), 2 ** 64);
  });

  it('reads tags of every length, up to field 2^29-1, and no further', () => {
    for (const field of [1, 15, 16, 2047, 2048, 536870911]) {
      const r = reader(w().tag(field, WT.FIXED32).finish());
      assert.equal(r.tag(), tagOf(field, WT.FIXED32));
    }
    assert.throws(() => reader(w().varint(2n ** 32n).finish()).tag(), /invalid field number at byte 0/);
  });

  it('steps over every wire type and lands on the next field', () => {
    const b = w().tag(20, WT.VARINT).varint(-1).tag(21, WT.FIXED64).fixed(8, 9n).tag(22, WT.LEN).delimited('skip me')
      .tag(23, WT.START_GROUP).tag(1, WT.VARINT).varint(3).tag(24, WT.START_GROUP).tag(2, WT.FIXED32).fixed(4, 1n).tag(24, WT.END_GROUP)
      .tag(23, WT.END_GROUP).tag(25, WT.FIXED32).fixed(4, 7n).string(1, 'here').finish();
    const r = reader(b);
    for (let i = 0; i < 5; i++) r.skip(r.tag(), fieldMask(1));
    assert.equal(r.tag(), tagOf(1, WT.LEN));
    assert.equal(r.string(), 'here');
    assert.equal(r.pos, b.length);
  });

  it('refuses a field it reads when it comes with another wire type, and skips one it does not read', () => {
    const b = w().int(3, 1).finish();
    assert.throws(() => reader(b).skip(reader(b).tag(), fieldMask(3)), /field 3 has wire type 0/);
    const r = reader(b);
    r.skip(r.tag(), fieldMask(1, 2));
    assert.equal(r.pos, b.length);
  });

  it('checks that a sub-message ends where its length said', () => {
    const r = reader(w().raw([1, 2, 3]).finish());
    r.pos = 2;
    r.finish(2);
    assert.throws(() => r.finish(1), /a field runs past the end of its message \(which ends at byte 1\) at byte 2/);
  });

  it('throws MalformedAnswerError carrying what, why and where', () => {
    const r = reader(Buffer.from([0x0a, 0x80]));
    r.tag();
    assert.throws(() => r.end(), (err: unknown) => {
      assert.ok(err instanceof MalformedAnswerError);
      assert.deepEqual([err.what, err.reason, err.offset], ['Test answer', 'truncated', 2]);
      assert.equal(err.message, 'Test answer: truncated at byte 2');
      return true;
    });
  });
});
