// The hand-written list decoders give exactly what protobufjs (reader proto)
// plus convert.ts gave for the same bytes: on seeded random answers built
// from the full proto, on what each simulated runtime sends, and on the
// recorded CRI-O stats answer.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadCriDefinition } from '../../src/cri/proto.js';
import type { ApiVersion } from '../../src/cri/types.js';
import { Renderer } from '../../src/sim/answers.js';
import { getProfile, PROFILE_NAMES } from '../../src/sim/profiles.js';
import { createRandom } from '../../src/sim/random.js';
import { World } from '../../src/sim/world.js';
import { hand, LIST_METHODS, oracle } from './list-oracle.js';
import { AnswerGenerator } from './random-answers.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const ANSWERS_PER_METHOD = 250;

type Codec = { responseSerialize(value: unknown): Buffer };

function fullCodec(version: ApiVersion, method: string): Codec {
  const codec = (loadCriDefinition(version)[`runtime.${version}.RuntimeService`] as unknown as Record<string, Codec>)[method];
  if (!codec) throw new Error(`no ${method}`);
  return codec;
}

describe('hand-written list decoders against protobufjs + convert.ts', () => {
  for (const method of LIST_METHODS) {
    it(`${method}: ${ANSWERS_PER_METHOD} seeded random answers, both API versions`, () => {
      const gen = new AnswerGenerator(createRandom(0xc0ffee + method.length));
      let rows = 0;
      let emptyIdsDropped = 0;
      for (let i = 0; i < ANSWERS_PER_METHOD; i++) {
        const bytes = gen.answer(method);
        const expected = oracle(method, bytes, 'v1');
        assert.deepStrictEqual(hand(method, bytes), expected, `${method} answer #${i}: ${bytes.toString('hex').slice(0, 400)}`);
        assert.deepStrictEqual(oracle(method, bytes, 'v1alpha2'), expected, 'v1alpha2 decodes the same bytes alike');
        rows += expected.length;
        emptyIdsDropped += (expected as { id: string }[]).length < rowCount(bytes) ? 1 : 0;
      }
      // The generator must reach what is being compared: many rows, and answers where rows were dropped.
      assert.ok(rows > ANSWERS_PER_METHOD * 1.5, `${method}: only ${rows} rows decoded`);
      assert.ok(emptyIdsDropped > 10, `${method}: rows without an id were dropped in only ${emptyIdsDropped} answers`);
    });
  }

  for (const profile of PROFILE_NAMES) {
    for (const version of ['v1', 'v1alpha2'] as const) {
      it(`the ${profile} simulated runtime's answers over ${version}`, () => {
        const world = new World({ pods: 12, containersPerPod: 3, seed: 11, now: () => 1_790_000_000_000 });
        const handlers = new Renderer(getProfile(profile), world, version === 'v1alpha2', {}).handlers(version);
        let compared = 0;
        for (const method of LIST_METHODS) {
          const handler = handlers[method];
          if (!handler) continue; // docker's v1alpha2 has no pod sandbox stats
          const bytes = fullCodec(version, method).responseSerialize(handler({}));
          const decoded = hand(method, bytes);
          assert.ok(decoded.length >= 12, `${profile} ${method}: ${decoded.length} rows`);
          assert.deepStrictEqual(decoded, oracle(method, bytes, version), `${profile} ${version} ${method}`);
          compared++;
        }
        assert.ok(compared >= 3);
      });
    }
  }

  it('the recorded CRI-O ListContainerStats answer', async () => {
    const answer = JSON.parse(await readFile(join(FIXTURES, 'crio', 'container-stats.json'), 'utf8')) as unknown;
    const bytes = fullCodec('v1', 'ListContainerStats').responseSerialize(answer);
    const decoded = hand('ListContainerStats', bytes);
    assert.equal(decoded.length, 1);
    assert.deepStrictEqual(decoded, oracle('ListContainerStats', bytes));
    assert.match((decoded[0] as { writableLayer: { mountpoint: string } }).writableLayer.mountpoint, /merged$/);
  });

  it('hands over the stats rows frozen, with their nested parts', () => {
    const world = new World({ pods: 4, containersPerPod: 2, seed: 3, now: () => 1_790_000_000_000 });
    const handlers = new Renderer(getProfile('containerd'), world, false, {}).handlers('v1');
    const frozenDeep = (v: unknown, path: string): void => {
      if (v === null || typeof v !== 'object') return;
      assert.ok(Object.isFrozen(v), `${path} is frozen`);
      for (const [k, part] of Object.entries(v)) frozenDeep(part, `${path}.${k}`);
    };
    for (const method of ['ListContainerStats', 'ListPodSandboxStats'] as const) {
      const bytes = fullCodec('v1', method).responseSerialize((handlers[method] as (req: object) => unknown)({}));
      const rows = hand(method, bytes) as object[];
      assert.ok(rows.length >= 4, `${method}: ${rows.length} rows`);
      rows.forEach((row, i) => frozenDeep(row, `${method}[${i}]`));
    }
  });

  it('decodes a plain Uint8Array as it decodes a Buffer', () => {
    const bytes = new AnswerGenerator(createRandom(5)).answer('ListContainers');
    const copy = new Uint8Array(bytes.length + 8).subarray(4, 4 + bytes.length);
    copy.set(bytes);
    assert.deepStrictEqual(hand('ListContainers', copy), hand('ListContainers', bytes));
  });
});

/** How many rows an answer holds before rows without an id are dropped (each top-level field 1). */
function rowCount(bytes: Buffer): number {
  let n = 0;
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; pos < bytes.length; shift += 7) {
      const b = bytes[pos++] as number;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new Error('rowCount: truncated');
  };
  while (pos < bytes.length) {
    const tag = varint();
    const wireType = tag % 8;
    if (tag === 10) n++;
    if (wireType === 2) {
      const length = varint();
      pos += length;
    } else if (wireType === 0) varint();
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else return Number.POSITIVE_INFINITY; // a group at the top: not worth walking here
  }
  return n;
}
