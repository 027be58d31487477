// A protobuf wire-format writer for tests: builds answers field by field, in
// any order, with duplicates, unknown fields, groups and deliberately broken
// bytes, none of which protobufjs's encoder would produce.
export const WT = { VARINT: 0, FIXED64: 1, LEN: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

export class WireWriter {
  private readonly bytes: number[] = [];

  /** A varint of the 64-bit two's complement of `v` (negative numbers take 10 bytes, as int64 and int32 do on the wire). */
  varint(v: bigint | number): this {
    let u = BigInt.asUintN(64, BigInt(v));
    while (u >= 0x80n) {
      this.bytes.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    this.bytes.push(Number(u));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(BigInt(field) * 8n + BigInt(wireType));
  }

  /** A length-delimited payload: a string as UTF-8, or bytes as they are. */
  delimited(payload: string | Uint8Array): this {
    const b = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    this.varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }

  fixed(width: 4 | 8, v: bigint): this {
    let u = BigInt.asUintN(width * 8, v);
    for (let i = 0; i < width; i++) {
      this.bytes.push(Number(u & 0xffn));
      u >>= 8n;
    }
    return this;
  }

  raw(b: Iterable<number>): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }

  /** Shorthands: one whole field. */
  string(field: number, s: string | Uint8Array): this {
    return this.tag(field, WT.LEN).delimited(s);
  }
  message(field: number, body: WireWriter | Uint8Array): this {
    return this.tag(field, WT.LEN).delimited(body instanceof WireWriter ? body.finish() : body);
  }
  int(field: number, v: bigint | number): this {
    return this.tag(field, WT.VARINT).varint(v);
  }

  finish(): Buffer {
    return Buffer.from(this.bytes);
  }
}

export function w(): WireWriter {
  return new WireWriter();
}
