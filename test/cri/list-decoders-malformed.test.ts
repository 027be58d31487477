// Garbage from the runtime: the list decoders throw a MalformedAnswerError
// naming the call and the byte, and otherwise only ever return rows. grpc-js
// turns a throwing deserializer into an INTERNAL status for that call.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MalformedAnswerError } from '../../src/cri/errors.js';
import { loadCriDefinition } from '../../src/cri/proto.js';
import { Renderer } from '../../src/sim/answers.js';
import { getProfile } from '../../src/sim/profiles.js';
import { createRandom, type Random } from '../../src/sim/random.js';
import { World } from '../../src/sim/world.js';
import { hand, LIST_METHODS, oracle, type ListMethod } from './list-oracle.js';
import { AnswerGenerator } from './random-answers.js';
import { w, type WireWriter } from './wire-writer.js';

function rejects(method: ListMethod, bytes: WireWriter | Buffer, reason: RegExp): void {
  const b = Buffer.isBuffer(bytes) ? bytes : bytes.finish();
  assert.throws(() => hand(method, b), (err: unknown) => {
    assert.ok(err instanceof MalformedAnswerError, `not a MalformedAnswerError: ${String(err)}`);
    assert.match(err.message, new RegExp(`^${method} answer: `));
    assert.match(err.message, reason);
    assert.match(err.message, /at byte \d+$/);
    return true;
  });
}

describe('list decoders on malformed answers', () => {
  it('a truncated varint', () => {
    rejects('ListContainers', w().raw([0x0a, 0x03, 0x38, 0x80, 0x80]), /truncated at byte 5/);
    rejects('ListContainerStats', w().raw([0x88]), /truncated at byte 1/);
  });

  it('a length running past the end, also one of 2^32 and more', () => {
    rejects('ListPodSandbox', w().raw([0x0a, 0x05, 0x0a, 0x01]), /length runs past the end of the answer at byte 1/);
    rejects('ListContainers', w().tag(1, 2).varint(1n << 32n), /length runs past the end/);
    rejects('ListContainers', w().message(1, w().tag(1, 2).varint(0xffffffffn)), /length runs past the end/);
  });

  it('wire types 6 and 7, and an end of group with no start', () => {
    rejects('ListContainers', w().tag(5, 6), /invalid wire type 6/);
    rejects('ListPodSandboxStats', w().message(1, w().tag(30, 7)), /invalid wire type 7/);
    rejects('ListContainerStats', w().tag(4, 4), /end of group 4 without a start/);
  });

  it('a group ended by another number, never ended, or nested past 100 deep', () => {
    rejects('ListContainers', w().tag(9, 3).tag(8, 4), /group 9 ended by end of group 8/);
    rejects('ListContainers', w().tag(9, 3).int(1, 1), /truncated/);
    const deep = w();
    for (let i = 0; i < 101; i++) deep.tag(9, 3);
    rejects('ListContainers', deep, /groups nested too deep/);
  });

  it('a field that reads as another wire type than the proto gives it', () => {
    // protobufjs would read on regardless: a varint where a message belongs becomes a length, and so on.
    rejects('ListContainers', w().int(1, 5), /field 1 has wire type 0/);
    rejects('ListContainers', w().message(1, w().int(1, 5)), /field 1 has wire type 0/);
    rejects('ListPodSandbox', w().message(1, w().string(3, 'ready')), /field 3 has wire type 2/);
    rejects('ListContainerStats', w().message(1, w().message(2, w().tag(1, 1).fixed(8, 1n))), /field 1 has wire type 1/);
    rejects('ListPodSandboxStats', w().message(1, w().message(2, w().message(4, w().int(2, 9)))), /field 2 has wire type 0/);
  });

  it('field number 0, a varint past 10 bytes, a field straddling its message end, a cut fixed64', () => {
    rejects('ListContainers', w().raw([0x02, 0x00]), /field number 0 at byte 0/);
    rejects('ListContainers', w().message(1, w().tag(7, 0).raw(Array(10).fill(0xff)).raw([0x01])), /varint longer than 10 bytes/);
    rejects('ListContainers', w().raw([0x0a, 0x02, 0x0a, 0x03, 0x61, 0x62, 0x63]), /runs past the end of its message/);
    rejects('ListContainers', w().tag(20, 1).raw([1, 2, 3]), /truncated at byte 5/); // a 2-byte tag and 3 of 8 bytes
  });

  it('an unknown field with a wire type that is fine is stepped over, even one that protobufjs knows by another type', () => {
    // Container.annotations (9) is a map; the agent reads none, so its wire type does not matter.
    const bytes = w().message(1, w().string(1, 'c1').int(9, 3)).finish();
    assert.deepStrictEqual((hand('ListContainers', bytes) as { id: string }[]).map((c) => c.id), ['c1']);
    assert.deepStrictEqual(hand('ListContainers', bytes), oracle('ListContainers', bytes));
  });

  it('seeded random mutations of valid answers: an Error or rows with ids, never anything else', () => {
    const rand = createRandom(20240611);
    const gen = new AnswerGenerator(rand);
    const valid = new Map<ListMethod, Buffer[]>(LIST_METHODS.map((m) => [m, [simAnswer(m), ...Array.from({ length: 6 }, () => gen.answer(m))]]));
    let threw = 0;
    let returned = 0;
    const started = Date.now();
    for (let i = 0; i < 4000; i++) {
      const method = LIST_METHODS[i % LIST_METHODS.length] as ListMethod;
      const answers = valid.get(method) as Buffer[];
      const bytes = mutate(answers[Math.floor(rand() * answers.length)] as Buffer, rand);
      let rows: unknown;
      try {
        rows = hand(method, bytes);
      } catch (err) {
        assert.ok(err instanceof MalformedAnswerError, `${method} mutation #${i} threw ${String(err)}`);
        threw++;
        continue;
      }
      assert.ok(Array.isArray(rows), `${method} mutation #${i} gave ${typeof rows}`);
      for (const row of rows) assert.ok(typeof (row as { id?: unknown }).id === 'string' && (row as { id: string }).id !== '');
      returned++;
    }
    assert.ok(threw > 400 && returned > 400, `threw ${threw}, returned ${returned}: the mutations should produce both`);
    assert.ok(Date.now() - started < 60_000, 'decoding garbage stays quick');
  });
});

function simAnswer(method: ListMethod): Buffer {
  const world = new World({ pods: 4, containersPerPod: 2, seed: 3, now: () => 1_790_000_000_000 });
  const answer = new Renderer(getProfile('cri-o'), world, false, {}).handlers('v1')[method]!({});
  const codec = (loadCriDefinition('v1')['runtime.v1.RuntimeService'] as unknown as Record<string, { responseSerialize(v: unknown): Buffer }>)[method]!;
  return codec.responseSerialize(answer);
}

/** One to three random edits: flip bits, overwrite, insert, delete, truncate, or splice in a varint run. */
function mutate(original: Buffer, rand: Random): Buffer {
  let b = Buffer.from(original);
  const at = () => Math.floor(rand() * Math.max(1, b.length));
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
    const i = at();
    switch (Math.floor(rand() * 6)) {
      case 0: if (b.length > 0) b[i] = (b[i] as number) ^ (1 << Math.floor(rand() * 8)); break;
      case 1: if (b.length > 0) b[i] = Math.floor(rand() * 256); break;
      case 2: b = Buffer.concat([b.subarray(0, i), Buffer.from([Math.floor(rand() * 256)]), b.subarray(i)]); break;
      case 3: b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]); break;
      case 4: b = b.subarray(0, i); break;
      default: b = Buffer.concat([b.subarray(0, i), Buffer.alloc(1 + Math.floor(rand() * 12), 0xff), b.subarray(i)]);
    }
  }
  return b;
}
