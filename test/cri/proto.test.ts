import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as convert from '../../src/cri/convert.js';
import { loadCriDefinition, loadCriPackage, readerProtobufjsDecoder } from '../../src/cri/proto.js';
import { Renderer } from '../../src/sim/answers.js';
import { getProfile } from '../../src/sim/profiles.js';
import { World } from '../../src/sim/world.js';

interface Codec {
  responseSerialize(value: unknown): Buffer;
  responseDeserialize(bytes: Buffer): unknown;
}

/** The wire bytes of one simulated containerd answer, and both decoders of that RPC. */
function roundTrip(rpc: string): { full: unknown; reader: unknown; bytes: number } {
  const world = new World({ pods: 6, containersPerPod: 2, seed: 7 });
  const answer = new Renderer(getProfile('containerd'), world, false, {}).handlers('v1')[rpc]!({});
  const full = (loadCriDefinition('v1')['runtime.v1.RuntimeService'] as unknown as Record<string, Codec>)[rpc]!;
  const reader = (loadCriPackage('v1', 'reader').RuntimeService.service as unknown as Record<string, Codec>)[rpc]!;
  const bytes = full.responseSerialize(answer);
  return { full: full.responseDeserialize(bytes), reader: reader.responseDeserialize(bytes), bytes: bytes.length };
}

test('the reader decodes the list answers straight to the domain values the full decoder + convert.ts give', () => {
  const cases: [string, (r: unknown) => unknown][] = [
    ['ListPodSandbox', convert.toPodSandboxes],
    ['ListContainers', convert.toContainerSummaries],
    ['ListContainerStats', convert.toContainerUsages],
    ['ListPodSandboxStats', convert.toPodSandboxUsages],
  ];
  for (const [rpc, toDomain] of cases) {
    const { full, reader } = roundTrip(rpc);
    assert.ok(Array.isArray(reader), `${rpc}: the reader gives domain values`);
    assert.ok(reader.length >= 6, `${rpc}: decoded ${reader.length} items`);
    assert.deepEqual(reader, toDomain(full), rpc);
  }
});

test('the reader proto keeps pod stats\' network and container rows, and skips the pod\'s CPU and memory and every attribute but ids', () => {
  const world = new World({ pods: 6, containersPerPod: 2, seed: 7 });
  const answer = new Renderer(getProfile('containerd'), world, false, {}).handlers('v1').ListPodSandboxStats!({});
  const full = (loadCriDefinition('v1')['runtime.v1.RuntimeService'] as unknown as Record<string, Codec>).ListPodSandboxStats!;
  const bytes = full.responseSerialize(answer);
  const first = (r: unknown) => (r as { stats: { linux: Record<string, unknown>; attributes: Record<string, unknown> }[] }).stats[0]!;
  const reader = first(readerProtobufjsDecoder('v1', 'ListPodSandboxStats')(bytes));
  assert.equal((first(full.responseDeserialize(bytes)).linux.containers as unknown[]).length, 2);
  const rows = reader.linux.containers as { attributes: Record<string, unknown> }[];
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => typeof r.attributes.id === 'string' && r.attributes.labels === undefined));
  assert.equal(reader.linux.cpu, undefined);
  assert.equal(reader.linux.memory, undefined);
  assert.equal(reader.attributes.labels, undefined);
  assert.ok(reader.linux.network, 'network figures are kept');
});

test('a garbled list answer fails the call with a message naming it', () => {
  const reader = (loadCriPackage('v1alpha2', 'reader').RuntimeService.service as unknown as Record<string, Codec>).ListContainers!;
  assert.throws(() => reader.responseDeserialize(Buffer.from([0x0a, 0x05, 0x0a])), /^MalformedAnswerError: ListContainers answer: /);
});

test('the reader shape is built for v1alpha2 too', () => {
  const pkg = loadCriPackage('v1alpha2', 'reader');
  assert.equal(typeof pkg.RuntimeService, 'function');
  assert.notEqual(pkg, loadCriPackage('v1alpha2'), 'reader and full packages are distinct');
});
