// The string pool of the stats decoders: what it keeps and lets go, that
// equal bytes find their string however their hashes fall, and that
// decoding with it gives exactly what decoding without it gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeListContainerStats, decodeListPodSandboxStats } from '../../src/cri/list-decoders.js';
import { loadCriDefinition } from '../../src/cri/proto.js';
import { asciiHash, StringPool } from '../../src/cri/string-pool.js';
import { Renderer } from '../../src/sim/answers.js';
import { getProfile } from '../../src/sim/profiles.js';
import { createRandom } from '../../src/sim/random.js';
import { World } from '../../src/sim/world.js';
import { AnswerGenerator } from './random-answers.js';

type Codec = { responseSerialize(value: unknown): Buffer };

function statsAnswers(world: World): { containers: Buffer; pods: Buffer } {
  const handlers = new Renderer(getProfile('containerd'), world, false, {}).handlers('v1');
  const codec = (m: string) => (loadCriDefinition('v1')['runtime.v1.RuntimeService'] as unknown as Record<string, Codec>)[m] as Codec;
  const answer = (m: 'ListContainerStats' | 'ListPodSandboxStats') => codec(m).responseSerialize((handlers[m] as (req: object) => unknown)({}));
  return { containers: answer('ListContainerStats'), pods: answer('ListPodSandboxStats') };
}

/** One answer's worth of strings through the pool, as a reader would look them up. */
function lookUp(pool: StringPool, strings: readonly string[]): string[] {
  pool.begin();
  const out = strings.map((s) => {
    const bytes = Buffer.from(s, 'utf8');
    return pool.intern(bytes, 0, bytes.length, (b, start, end) => b.toString('utf8', start, end));
  });
  pool.done();
  return out;
}

describe('StringPool', () => {
  it('keeps each ASCII string once, and lets it go a few answers after the last that had it', () => {
    const pool = new StringPool();
    assert.deepEqual(lookUp(pool, ['a1', 'b2', 'a1']), ['a1', 'b2', 'a1']);
    assert.equal(pool.size, 2);
    lookUp(pool, ['b2', 'c3']);
    assert.equal(pool.size, 3);
    for (let i = 0; i < 3; i++) lookUp(pool, ['c3']);
    assert.equal(pool.size, 3, 'a1 is kept for four answers after its last');
    lookUp(pool, ['c3']);
    assert.equal(pool.size, 2, 'then let go');
    for (let i = 0; i < 5; i++) lookUp(pool, []);
    assert.equal(pool.size, 0);
  });

  it('decodes only the bytes it has no string for', () => {
    const pool = new StringPool();
    const decoded: string[] = [];
    const decode = (b: Buffer, start: number, end: number) => {
      const s = b.toString('utf8', start, end);
      decoded.push(s);
      return s;
    };
    const answer = Buffer.from('xx-id-1|id-2|id-1|ü');
    const fields: [number, number][] = [[3, 7], [8, 12], [13, 17], [18, answer.length]];
    pool.begin();
    const first = fields.map(([s, e]) => pool.intern(answer, s, e, decode));
    pool.done();
    assert.deepEqual(first, ['id-1', 'id-2', 'id-1', 'ü']);
    assert.deepEqual(decoded, ['id-1', 'id-2', 'ü'], 'the repeated ID is the kept string');
    pool.begin();
    const again = fields.map(([s, e]) => pool.intern(Buffer.from(answer), s, e, decode));
    pool.done();
    assert.deepEqual(again, first);
    assert.deepEqual(decoded, ['id-1', 'id-2', 'ü', 'ü'], 'the next answer decodes only what is not ASCII');
  });

  it('decodes but does not keep a string that is not ASCII', () => {
    const pool = new StringPool();
    assert.deepEqual(lookUp(pool, ['eth0', 'café', 'é']), ['eth0', 'café', 'é']);
    assert.equal(pool.size, 1);
    assert.equal(asciiHash(Buffer.from('café'), 0, 5), -1);
  });

  it('tells apart strings whose hashes collide, and lets each go on its own', () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined && i < 1_000_000; i++) {
      const s = `container-${i}`;
      const h = asciiHash(Buffer.from(s), 0, s.length);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, s];
      seen.set(h, s);
    }
    assert.ok(pair, 'two strings with one hash exist among the first million');
    const [x, y] = pair;
    const pool = new StringPool();
    assert.deepEqual(lookUp(pool, [x, y, x, y]), [x, y, x, y]);
    assert.equal(pool.size, 2);
    for (let i = 0; i < 5; i++) lookUp(pool, [y]);
    assert.equal(pool.size, 1, 'the older of the chain went, the other stays');
    assert.deepEqual(lookUp(pool, [x, y]), [x, y]);
    for (let i = 0; i < 5; i++) lookUp(pool, [x]);
    assert.deepEqual(lookUp(pool, [y, x]), [y, x]);
  });

  it('changes nothing in what the stats decoders give, answer after answer, as pods come and go', () => {
    const world = new World({ pods: 6, containersPerPod: 2, seed: 17, now: () => 1_790_000_000_000 });
    const pool = new StringPool();
    for (let round = 0; round < 8; round++) {
      const { containers, pods } = statsAnswers(world);
      assert.deepStrictEqual(decodeListContainerStats(containers, pool), decodeListContainerStats(containers));
      assert.deepStrictEqual(decodeListPodSandboxStats(pods, true, pool), decodeListPodSandboxStats(pods, true));
      assert.deepStrictEqual(decodeListPodSandboxStats(pods, false, pool), decodeListPodSandboxStats(pods, false));
      const oldest = world.pods()[0];
      if (oldest) world.removePod(oldest.id);
      world.addPod({ name: `new-${round}`, namespace: 'churn', labels: {} });
    }
    // The 18 IDs of the node as it is now, its interface name and layer mount
    // point, and the IDs of the pods replaced in the last round or two: the
    // others were let go.
    assert.ok(pool.size >= 20 && pool.size <= 30, `${pool.size} strings kept`);
  });

  it('changes nothing on random answers, garbage strings included', () => {
    const gen = new AnswerGenerator(createRandom(0x5eed));
    const pool = new StringPool();
    for (let i = 0; i < 200; i++) {
      const method = i % 2 === 0 ? 'ListContainerStats' : 'ListPodSandboxStats';
      const bytes = gen.answer(method);
      const plain = method === 'ListContainerStats' ? decodeListContainerStats(bytes) : decodeListPodSandboxStats(bytes);
      const pooled = method === 'ListContainerStats' ? decodeListContainerStats(bytes, pool) : decodeListPodSandboxStats(bytes, true, pool);
      assert.deepStrictEqual(pooled, plain, `answer #${i}`);
    }
  });
});
