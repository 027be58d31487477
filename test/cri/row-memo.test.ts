// Rows kept from one list answer to the next: unchanged rows come back as
// the very same values, changed and new rows are decoded, and the results
// always equal decoding without a memo.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeListContainers, decodeListPodSandbox } from '../../src/cri/list-decoders.js';
import { loadCriDefinition } from '../../src/cri/proto.js';
import { RowMemo } from '../../src/cri/row-memo.js';
import type { ContainerSummary, PodSandbox } from '../../src/cri/types.js';
import { Renderer } from '../../src/sim/answers.js';
import { getProfile } from '../../src/sim/profiles.js';
import { createRandom } from '../../src/sim/random.js';
import { World } from '../../src/sim/world.js';
import { AnswerGenerator } from './random-answers.js';

type Codec = { responseSerialize(value: unknown): Buffer };
type Answer = { containers: { id: string; labels: Record<string, string> }[] };

function encode(method: string, answer: unknown): Buffer {
  const codec = (loadCriDefinition('v1')['runtime.v1.RuntimeService'] as unknown as Record<string, Codec>)[method] as Codec;
  return codec.responseSerialize(answer);
}

/** The simulated containerd's ListContainers answer for a small node, as an object to edit. */
function containersAnswer(): Answer {
  const world = new World({ pods: 4, containersPerPod: 2, seed: 21, now: () => 1_790_000_000_000 });
  const handler = new Renderer(getProfile('containerd'), world, false, {}).handlers('v1').ListContainers;
  assert.ok(handler);
  return handler({}) as Answer;
}

describe('RowMemo', () => {
  it('gives back an unchanged row as the same value, decoded once', () => {
    const memo = new RowMemo<ContainerSummary>();
    const bytes = encode('ListContainers', containersAnswer());
    const first = decodeListContainers(bytes, memo);
    const second = decodeListContainers(Buffer.from(bytes), memo);
    assert.equal(first.length, 8);
    assert.deepStrictEqual(second, decodeListContainers(bytes), 'the same as decoding without a memo');
    first.forEach((row, i) => assert.equal(second[i], row, `row ${i} is the kept value`));
    assert.equal(memo.size, 8);
  });

  it('decodes a changed row anew and keeps the others', () => {
    const memo = new RowMemo<ContainerSummary>();
    const answer = containersAnswer();
    const first = decodeListContainers(encode('ListContainers', answer), memo);
    const changed = answer.containers[3];
    assert.ok(changed);
    changed.labels = { ...changed.labels, 'io.kubernetes.container.restartCount': '7' };
    const second = decodeListContainers(encode('ListContainers', answer), memo);
    assert.deepStrictEqual(second, decodeListContainers(encode('ListContainers', answer)));
    const byId = new Map(first.map((c) => [c.id, c]));
    for (const row of second) {
      if (row.id === changed.id) {
        assert.notEqual(row, byId.get(row.id));
        assert.equal(row.labels['io.kubernetes.container.restartCount'], '7');
      } else {
        assert.equal(row, byId.get(row.id));
      }
    }
  });

  it('forgets rows an answer no longer lists', () => {
    const memo = new RowMemo<ContainerSummary>();
    const answer = containersAnswer();
    const first = decodeListContainers(encode('ListContainers', answer), memo);
    const gone = answer.containers.shift();
    decodeListContainers(encode('ListContainers', answer), memo);
    assert.equal(memo.size, 7);
    answer.containers.push(gone as Answer['containers'][number]);
    const back = decodeListContainers(encode('ListContainers', answer), memo).find((c) => c.id === gone?.id);
    assert.deepStrictEqual(back, first.find((c) => c.id === gone?.id));
    assert.notEqual(back, first.find((c) => c.id === gone?.id), 'decoded again, not held while it was away');
  });

  it('holds copies of the rows\' bytes, not the answer', () => {
    const memo = new RowMemo<ContainerSummary>();
    const bytes = encode('ListContainers', containersAnswer());
    const answer = Buffer.from(bytes);
    const first = decodeListContainers(answer, memo);
    answer.fill(0);
    const second = decodeListContainers(bytes, memo);
    first.forEach((row, i) => assert.equal(second[i], row, 'still matched after the first answer\'s buffer was overwritten'));
  });

  it('keeps working after an answer that fails half-way', () => {
    const memo = new RowMemo<ContainerSummary>();
    const bytes = encode('ListContainers', containersAnswer());
    const first = decodeListContainers(bytes, memo);
    assert.throws(() => decodeListContainers(bytes.subarray(0, bytes.length - 3), memo), /ListContainers answer/);
    const again = decodeListContainers(bytes, memo);
    assert.deepStrictEqual(again, first);
    assert.equal(memo.size, 8);
  });

  it('never changes what seeded random answers decode to, fed one after another', () => {
    for (const [method, decode] of [
      ['ListContainers', (b: Buffer, m?: RowMemo<ContainerSummary>) => decodeListContainers(b, m)],
      ['ListPodSandbox', (b: Buffer, m?: RowMemo<PodSandbox>) => decodeListPodSandbox(b, m)],
    ] as const) {
      const gen = new AnswerGenerator(createRandom(0xbeef + method.length));
      const memo = new RowMemo<never>();
      const answers = Array.from({ length: 120 }, () => gen.answer(method));
      let reused = 0;
      let last: readonly unknown[] = [];
      // Each answer twice in a row (the second reuses), then the next: rows with the same id and other bytes must not be reused.
      for (const bytes of answers.flatMap((a) => [a, a])) {
        const plain = (decode as (b: Buffer) => unknown[])(bytes);
        const memoised = (decode as (b: Buffer, m: RowMemo<never>) => unknown[])(bytes, memo);
        assert.deepStrictEqual(memoised, plain, `${method}: ${bytes.toString('hex').slice(0, 200)}`);
        reused += memoised.filter((row) => last.includes(row)).length;
        last = memoised;
      }
      assert.ok(reused > 50, `${method}: only ${reused} rows were reused`);
    }
  });
});
