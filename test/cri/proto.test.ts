import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as convert from '../../src/cri/convert.js';
import { loadCriDefinition, loadCriPackage } from '../../src/cri/proto.js';
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

test('the reader decoder gives the same domain values as the full one', () => {
  const cases: [string, (r: unknown) => unknown][] = [
    ['ListPodSandbox', convert.toPodSandboxes],
    ['ListContainers', convert.toContainerSummaries],
    ['ListContainerStats', convert.toContainerUsages],
    ['ListPodSandboxStats', convert.toPodSandboxUsages],
  ];
  for (const [rpc, toDomain] of cases) {
    const { full, reader } = roundTrip(rpc);
    const values = toDomain(reader) as unknown[];
    assert.ok(values.length >= 6, `${rpc}: decoded ${values.length} items`);
    assert.deepEqual(values, toDomain(full), rpc);
  }
});

test('the reader decoder skips the container stats repeated inside pod stats', () => {
  const { full, reader } = roundTrip('ListPodSandboxStats');
  const first = (r: unknown) => (r as { stats: { linux: Record<string, unknown>; attributes: Record<string, unknown> }[] }).stats[0]!;
  assert.equal((first(full).linux.containers as unknown[]).length, 2);
  assert.equal(first(reader).linux.containers, undefined);
  assert.equal(first(reader).attributes.labels, undefined);
  assert.ok(first(reader).linux.network, 'network figures are kept');
});

test('the reader shape is built for v1alpha2 too', () => {
  const pkg = loadCriPackage('v1alpha2', 'reader');
  assert.equal(typeof pkg.RuntimeService, 'function');
  assert.notEqual(pkg, loadCriPackage('v1alpha2'), 'reader and full packages are distinct');
});
