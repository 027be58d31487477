// A protobuf wire-format reader for the hand-written decoders of the hot list
// answers (list-decoders.ts). It knows varints, length-delimited fields and
// how to step over anything else; the decoders know the messages. Reads are
// bounded by the buffer and every sub-message must end exactly where its
// length said, so garbage throws MalformedAnswerError instead of being read
// half-way: the call then fails as a whole, as a runtime sending garbage should.
import { MalformedAnswerError } from './errors.js';
import type { StringPool } from './string-pool.js';

export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const START_GROUP = 3;
export const END_GROUP = 4;
export const FIXED32 = 5;

/** The tag of a field as it appears on the wire (field number and wire type in one varint). */
export function tagOf(field: number, wireType: number): number {
  return field * 8 + wireType;
}

/**
 * A mask of field numbers (all below 32) that a decoder reads: one of those
 * arriving with another wire type is an error, not something to skip.
 */
export function fieldMask(...fields: number[]): number {
  return fields.reduce((mask, f) => mask | (1 << f), 0);
}

/** protobufjs stops at the same depth, like protoc's default recursion limit. */
const MAX_GROUP_DEPTH = 100;
const TWO_POW_32 = 4294967296;

/**
 * Node's own UTF-8 decoder, which is what protobufjs uses on a Buffer (so
 * invalid sequences become U+FFFD the same way). Buffer.toString checks its
 * arguments on every call; for the many short strings of a list answer that
 * is a measurable share, hence the internal slice method when it exists.
 */
type Utf8Slicer = (buf: Buffer, start: number, end: number) => string;
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (start: number, end: number) => string }).utf8Slice;
const decodeUtf8: Utf8Slicer = typeof utf8Slice === 'function'
  ? (buf, start, end) => utf8Slice.call(buf, start, end)
  : (buf, start, end) => buf.toString('utf8', start, end);

export class WireReader {
  pos = 0;
  readonly len: number;
  private readonly buf: Buffer;
  // Halves of the last varint, kept here so that reading one allocates nothing.
  private lo = 0;
  private hi = 0;

  constructor(bytes: Uint8Array, private readonly what: string, private readonly pool?: StringPool) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.len = this.buf.length;
  }

  /** The answer's bytes. */
  get bytes(): Buffer {
    return this.buf;
  }

  fail(reason: string, at = this.pos): never {
    throw new MalformedAnswerError(this.what, reason, at);
  }

  /** The next field's tag. Field number 0 and numbers past 2^29-1 do not exist. */
  tag(): number {
    const pos = this.pos;
    const first = pos < this.len ? (this.buf[pos] as number) : 0x80;
    if (first < 0x80) {
      if (first < 8) this.fail('field number 0', pos);
      this.pos = pos + 1;
      return first;
    }
    this.varint();
    if (this.hi !== 0 || this.lo >>> 3 === 0) this.fail('invalid field number', pos);
    return this.lo >>> 0;
  }

  /** uint64 as a number; past 2^53 the low bits round away, exactly as protobufjs's Long.toNumber does. */
  uint64(): number {
    this.varint();
    return (this.hi >>> 0) * TWO_POW_32 + (this.lo >>> 0);
  }

  /** int64 (two's complement) as a number, rounded like Long.toNumber. */
  int64(): number {
    this.varint();
    return (this.hi | 0) * TWO_POW_32 + (this.lo >>> 0);
  }

  /** uint32: the low 32 bits of the varint, as protobufjs keeps them. */
  uint32(): number {
    this.varint();
    return this.lo >>> 0;
  }

  /** int32 and enums: the low 32 bits, signed. */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /** Reads a length prefix and returns the offset where that field's bytes end. */
  end(): number {
    const at = this.pos;
    this.varint();
    // Kept in small-integer arithmetic: a length past 2^32 is past the end anyway.
    const length = this.lo >>> 0;
    if (this.hi !== 0 || length > this.len - this.pos) this.fail('length runs past the end of the answer', at);
    return this.pos + length;
  }

  string(): string {
    const end = this.end();
    const s = decodeUtf8(this.buf, this.pos, end);
    this.pos = end;
    return s;
  }

  /** A string that recurs from answer to answer (an ID, a mount point): the pool's copy when the reader has a pool and it has one. */
  pooledString(): string {
    const end = this.end();
    const s = this.pool === undefined ? decodeUtf8(this.buf, this.pos, end) : this.pool.intern(this.buf, this.pos, end, decodeUtf8);
    this.pos = end;
    return s;
  }

  /** A sub-message must have ended exactly where its length prefix said. */
  finish(end: number): void {
    if (this.pos !== end) this.fail(`a field runs past the end of its message (which ends at byte ${end})`);
  }

  /**
   * Steps over a field the decoder does not read. A field it does read
   * (in `readMask`) arriving with another wire type is malformed: protobufjs
   * would read its bytes as the declared type anyway and decode nonsense.
   */
  skip(tag: number, readMask: number): void {
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 32 && (readMask & (1 << field)) !== 0) this.fail(`field ${field} has wire type ${wireType}`);
    this.skipValue(field, wireType, 0);
  }

  private skipValue(field: number, wireType: number, depth: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        this.advance(8);
        return;
      case LEN:
        this.pos = this.end();
        return;
      case START_GROUP:
        this.skipGroup(field, depth);
        return;
      case FIXED32:
        this.advance(4);
        return;
      case END_GROUP:
        this.fail(`end of group ${field} without a start`);
      default:
        this.fail(`invalid wire type ${wireType}`);
    }
  }

  /** A (deprecated) group: fields up to the end-group tag of the same number. */
  private skipGroup(field: number, depth: number): void {
    if (depth >= MAX_GROUP_DEPTH) this.fail('groups nested too deep');
    for (;;) {
      const at = this.pos;
      const tag = this.tag();
      if ((tag & 7) === END_GROUP) {
        if (tag >>> 3 !== field) this.fail(`group ${field} ended by end of group ${tag >>> 3}`, at);
        return;
      }
      this.skipValue(tag >>> 3, tag & 7, depth + 1);
    }
  }

  private advance(bytes: number): void {
    if (bytes > this.len - this.pos) this.fail('truncated', this.len);
    this.pos += bytes;
  }

  /**
   * Reads a varint of up to 10 bytes into lo/hi. Bits past the 64th are
   * dropped, as protobufjs does; an 11th byte is an error.
   */
  private varint(): void {
    const buf = this.buf;
    const len = this.len;
    let pos = this.pos;
    let lo = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= len) this.fail('truncated', len);
      b = buf[pos++] as number;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return this.done(pos, lo, 0);
    }
    if (pos >= len) this.fail('truncated', len);
    b = buf[pos++] as number;
    lo |= (b & 0x7f) << 28;
    let hi = (b & 0x7f) >>> 4;
    if (b < 0x80) return this.done(pos, lo, hi);
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= len) this.fail('truncated', len);
      b = buf[pos++] as number;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return this.done(pos, lo, hi);
    }
    this.fail('varint longer than 10 bytes', this.pos);
  }

  private done(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo;
    this.hi = hi;
  }
}
