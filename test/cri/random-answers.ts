// Seeded random CRI answers in wire format, for holding the hand-written list
// decoders to protobufjs. Every message is built from the FULL proto's
// reflection (proto/cri/api.proto), so fields the agent never reads (and
// the deeply nested stats it skips) are there too. Beyond what an encoder
// would write, answers carry fields in random order, singular fields written
// twice, unknown fields of every wire type (groups too), map entries that
// repeat a key or miss a part, 64-bit values past 2^53, and strings in
// multi-byte and invalid UTF-8. Everything stays valid protobuf.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { protoDir } from '../../src/cri/proto.js';
import { randomHex, type Random } from '../../src/sim/random.js';
import { WT, WireWriter } from './wire-writer.js';

let root: protobuf.Root | undefined;

/** The full proto, every field declared, as package runtime.v1. */
export function fullRoot(): protobuf.Root {
  if (!root) {
    root = protobuf.parse(readFileSync(join(protoDir(), 'cri', 'api.proto'), 'utf8'), { keepCase: false }).root;
    root.resolveAll();
  }
  return root;
}

export function responseType(method: string): protobuf.Type {
  const type = fullRoot().lookupService('runtime.v1.RuntimeService').methods[method]?.resolvedResponseType;
  if (!type) throw new Error(`no response type for ${method}`);
  return type;
}

const MAX_DEPTH = 7;
const TWO_64 = 1n << 64n;
const LABEL_KEYS = ['app', 'io.kubernetes.pod.name', 'tier', '__proto__', 'constructor', 'toString', '1', '10', '', 'ключ', 'z'];

export class AnswerGenerator {
  constructor(private readonly rand: Random) {}

  /** A whole answer of a RuntimeService method. */
  answer(method: string): Buffer {
    return this.message(responseType(method), 0);
  }

  message(type: protobuf.Type, depth: number): Buffer {
    const chunks: Buffer[] = [];
    for (const field of type.fieldsArray) {
      if (field.resolvedType instanceof protobuf.Type && depth >= MAX_DEPTH) continue;
      const rows = depth === 0;
      if (!rows && !this.chance(0.75)) continue;
      const count = rows ? 1 + this.int(10) : field.map || field.repeated ? this.int(4) : this.chance(0.12) ? 2 : 1;
      for (let i = 0; i < count; i++) chunks.push(this.field(field, depth));
    }
    for (let n = this.chance(0.3) ? this.int(3) + 1 : 0; n > 0; n--) chunks.push(this.unknownField(type, depth));
    return Buffer.concat(this.shuffle(chunks));
  }

  private field(field: protobuf.Field, depth: number): Buffer {
    const out = new WireWriter();
    if (field.map) return out.message(field.id, this.mapEntry()).finish();
    const type = field.resolvedType;
    if (type instanceof protobuf.Type) return out.message(field.id, this.message(type, depth + 1)).finish();
    if (type instanceof protobuf.Enum) return out.int(field.id, this.enumValue(type)).finish();
    if (field.repeated && field.type !== 'string' && field.type !== 'bytes' && this.chance(0.5)) {
      // Packed, as proto3 encoders write repeated numbers.
      const packed = new WireWriter();
      for (let n = this.int(3) + 1; n > 0; n--) this.scalar(field.type, packed);
      return out.tag(field.id, WT.LEN).delimited(packed.finish()).finish();
    }
    out.tag(field.id, wireTypeOf(field.type));
    this.scalar(field.type, out);
    return out.finish();
  }

  private scalar(type: string, out: WireWriter): void {
    switch (type) {
      case 'string': out.delimited(this.stringBytes()); return;
      case 'bytes': out.delimited(Buffer.from(randomHex(this.rand, this.int(12) * 2), 'hex')); return;
      case 'bool': out.varint(this.int(2)); return;
      case 'int32': out.varint(this.pick([0n, 1n, -1n, 2147483647n, -2147483648n, BigInt(this.int(1000))])); return;
      case 'uint32': out.varint(this.pick([0n, 1n, 4294967295n, 2147483648n, BigInt(this.int(100))])); return;
      case 'int64': out.varint(this.int64()); return;
      case 'uint64': out.varint(this.uint64()); return;
      case 'double': out.fixed(8, this.random64()); return;
      case 'float': out.fixed(4, this.random64()); return;
      default: throw new Error(`random-answers: no generator for ${type}`);
    }
  }

  private mapEntry(): Buffer {
    const parts: Buffer[] = [];
    if (!this.chance(0.08)) parts.push(new WireWriter().string(1, this.chance(0.85) ? this.pick(LABEL_KEYS) : this.stringBytes()).finish());
    if (!this.chance(0.08)) parts.push(new WireWriter().string(2, this.stringBytes()).finish());
    if (this.chance(0.05)) parts.push(new WireWriter().int(7, this.int(50)).finish());
    return Buffer.concat(this.shuffle(parts));
  }

  private enumValue(type: protobuf.Enum): bigint {
    const known = Object.values(type.values);
    return this.chance(0.8) ? BigInt(this.pick(known)) : this.pick([4n, 7n, 1000n, -1n, 2147483647n]);
  }

  /** A field number the message does not declare, with a random wire type. */
  private unknownField(type: protobuf.Type, depth: number): Buffer {
    let id = this.pick([type.fieldsArray.length + 1 + this.int(40), 1000, 536870911]);
    while (type.fieldsById[id]) id++;
    return this.unknownValue(id, depth);
  }

  private unknownValue(id: number, depth: number): Buffer {
    const out = new WireWriter();
    const wireType = this.pick<number>([WT.VARINT, WT.FIXED64, WT.LEN, WT.START_GROUP, WT.FIXED32]);
    out.tag(id, wireType);
    if (wireType === WT.VARINT) out.varint(this.uint64());
    else if (wireType === WT.FIXED64) out.fixed(8, this.random64());
    else if (wireType === WT.FIXED32) out.fixed(4, this.random64());
    else if (wireType === WT.LEN) out.delimited(this.stringBytes());
    else {
      for (let n = depth < MAX_DEPTH ? this.int(3) : 0; n > 0; n--) out.raw(this.unknownValue(1 + this.int(20), depth + 1));
      out.tag(id, WT.END_GROUP);
    }
    return out.finish();
  }

  private stringBytes(): Buffer {
    const kind = this.int(10);
    if (kind < 2) return Buffer.alloc(0);
    if (kind < 5) return Buffer.from(randomHex(this.rand, 64));
    if (kind < 7) return Buffer.from(this.pick(['web', 'default', 'sha256:abc', '/var/lib/x', 'eth0', 'lo', 'a']));
    if (kind < 9) return Buffer.from(this.pick(['ünïcødé', '🚀 pod', '名前', 'say "hi"\n\t']), 'utf8');
    return Buffer.from(this.pick([[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0x61, 0xc0, 0x80, 0x62]]));
  }

  private int64(): bigint {
    return this.pick([0n, 1n, -1n, 1_700_000_000_123_456_789n, (1n << 63n) - 1n, -(1n << 63n), BigInt.asIntN(64, this.random64())]);
  }

  private uint64(): bigint {
    return this.pick([0n, 1n, BigInt(this.int(1 << 30)), (1n << 53n) + 1n, TWO_64 - 1n, this.random64()]);
  }

  private random64(): bigint {
    return (BigInt(Math.floor(this.rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(this.rand() * 2 ** 32));
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private chance(p: number): boolean {
    return this.rand() < p;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }

  private shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
    }
    return xs;
  }
}

function wireTypeOf(type: string): number {
  if (type === 'string' || type === 'bytes') return WT.LEN;
  if (type === 'double') return WT.FIXED64;
  if (type === 'float') return WT.FIXED32;
  return WT.VARINT;
}
