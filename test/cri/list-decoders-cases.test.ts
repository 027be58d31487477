// The corners of the old decoding path that the hand-written decoders keep,
// each written out byte by byte, checked against literal values and against
// protobufjs + convert.ts. Where protobufjs departs from the protobuf spec
// (a singular message sent twice replaces, where the spec merges), the
// decoders follow protobufjs: the agent's output must not change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import type { ContainerSummary, ContainerUsage, PodSandbox, PodSandboxUsage } from '../../src/cri/types.js';
import { decodeListPodSandboxStats } from '../../src/cri/list-decoders.js';
import { hand, oracle, type ListMethod } from './list-oracle.js';
import { w, type WireWriter } from './wire-writer.js';

/** Decodes both ways, insists they agree, and returns the rows. */
function both<T>(method: ListMethod, answer: WireWriter): T[] {
  const bytes = answer.finish();
  const rows = hand(method, bytes);
  assert.deepStrictEqual(rows, oracle(method, bytes), `${method}: hand-written and protobufjs + convert.ts disagree`);
  return rows as T[];
}

const container = (body: WireWriter) => w().message(1, body);
const wrapper = (v?: bigint) => (v === undefined ? w() : w().int(1, v));

describe('list decoders: the old path, corner by corner', () => {
  it('fills absent fields with defaults: empty strings, 0, the enum at 0', () => {
    const [c] = both<ContainerSummary>('ListContainers', container(w().string(1, 'c1')));
    assert.deepStrictEqual(c, { id: 'c1', sandboxId: '', name: '', attempt: 0, image: '', imageRef: '', state: 'created', createdAt: 0, labels: {} });
    const [s] = both<PodSandbox>('ListPodSandbox', w().message(1, w().string(1, 's1')));
    assert.deepStrictEqual(s, { id: 's1', name: '', namespace: '', uid: '', attempt: 0, state: 'ready', createdAt: 0, labels: {}, runtimeHandler: '' });
  });

  it('maps enum values: unknown container states are "unknown", any sandbox state but 0 is "notready"', () => {
    const states = both<ContainerSummary>('ListContainers', w()
      .message(1, w().string(1, 'a').int(6, 1)).message(1, w().string(1, 'b').int(6, 2)).message(1, w().string(1, 'c').int(6, 3))
      .message(1, w().string(1, 'd').int(6, 4)).message(1, w().string(1, 'e').int(6, -1)).message(1, w().string(1, 'f').int(6, 1n << 32n)));
    assert.deepStrictEqual(states.map((c) => c.state), ['running', 'exited', 'unknown', 'unknown', 'unknown', 'created']);
    const sandboxes = both<PodSandbox>('ListPodSandbox', w().message(1, w().string(1, 'a').int(3, 1)).message(1, w().string(1, 'b').int(3, 9)));
    assert.deepStrictEqual(sandboxes.map((s) => s.state), ['notready', 'notready']);
  });

  it('drops rows without an id', () => {
    const rows = both<ContainerSummary>('ListContainers', w().message(1, w().string(2, 'sb')).message(1, w().string(1, 'keep')).message(1, w()));
    assert.deepStrictEqual(rows.map((c) => c.id), ['keep']);
    assert.deepStrictEqual(both('ListContainerStats', w().message(1, w().message(2, w().int(1, 5)))), []);
  });

  it('replaces, not merges, a singular message sent twice (as protobufjs does)', () => {
    const [c] = both<ContainerSummary>('ListContainers', container(w().string(1, 'c1')
      .message(3, w().string(1, 'first').int(2, 3)).message(3, w().string(1, 'second'))));
    assert.equal(c?.name, 'second');
    assert.equal(c?.attempt, 0, 'merging would have kept attempt 3');
    const [u] = both<ContainerUsage>('ListContainerStats', w().message(1, w().message(1, w().string(1, 'x'))
      .message(2, w().int(1, 7_000_000_000).message(2, wrapper(5n))).message(2, w().int(1, 9_000_000_000))));
    assert.equal(u?.timestamp, 9);
    assert.equal(u?.cpuUsageCoreNanoSeconds, undefined, 'the second CpuUsage has no usage');
  });

  it('tells an absent UInt64Value (undefined) from an empty one (0)', () => {
    const [u] = both<ContainerUsage>('ListContainerStats', w().message(1, w().message(1, w().string(1, 'x'))
      .message(3, w().message(2, wrapper()).message(4, wrapper(0n)).message(5, wrapper(12n)))));
    assert.equal(u?.memoryWorkingSetBytes, 0);
    assert.equal(u?.memoryUsageBytes, 0);
    assert.equal(u?.memoryRssBytes, 12);
    assert.equal(u?.memoryPageFaults, undefined);
    assert.equal(u?.writableLayer, undefined);
    assert.ok(Object.hasOwn(u as object, 'writableLayer'), 'absent values are keys holding undefined, as convert.ts makes them');
  });

  it('takes the CPU timestamp whenever CpuUsage is present, even at 0; memory\'s only without CPU', () => {
    const stats = (cpu: WireWriter | undefined, memory: WireWriter | undefined) => {
      const row = w().message(1, w().string(1, 'x'));
      if (cpu) row.message(2, cpu);
      if (memory) row.message(3, memory);
      return both<ContainerUsage>('ListContainerStats', w().message(1, row))[0]?.timestamp;
    };
    assert.equal(stats(w(), w().int(1, 4_000_000_000)), 0);
    assert.equal(stats(undefined, w().int(1, 4_000_000_000)), 4);
    assert.equal(stats(w().int(1, 2_500_000_000), w().int(1, 4_000_000_000)), 2.5);
    assert.equal(stats(undefined, undefined), 0);
  });

  it('turns nanoseconds into fractional seconds, negative ones too', () => {
    const rows = both<ContainerSummary>('ListContainers', w()
      .message(1, w().string(1, 'a').int(7, 1_700_000_000_123_456_789n)).message(1, w().string(1, 'b').int(7, -1_500_000_000)));
    assert.deepStrictEqual(rows.map((c) => c.createdAt), [1_700_000_000.1234567, -1.5]);
  });

  it('rounds 64-bit counters past 2^53 as Long.toNumber does', () => {
    const big = [(1n << 64n) - 1n, (1n << 53n) + 1n, 18_446_744_073_426_681_856n];
    const rows = both<ContainerUsage>('ListContainerStats', big.reduce((a, v, i) => a.message(1, w()
      .message(1, w().string(1, `c${i}`)).message(2, w().message(2, wrapper(v)))), w()));
    // Long.toNumber rounds the exact value once, to nearest, as Number(bigint) does.
    assert.deepStrictEqual(rows.map((u) => u.cpuUsageCoreNanoSeconds), big.map(Number));
    assert.equal(rows[0]?.cpuUsageCoreNanoSeconds, 2 ** 64);
  });

  it('builds label maps as protobufjs + convert.ts do: later value wins in the first place, missing parts are "", no __proto__', () => {
    const entry = (k?: string, v?: string) => {
      const e = w();
      if (k !== undefined) e.string(1, k);
      if (v !== undefined) e.string(2, v);
      return e;
    };
    const [c] = both<ContainerSummary>('ListContainers', container(w().string(1, 'c1')
      .message(8, entry('b', '1')).message(8, entry('a', '2')).message(8, entry('b', '3')).message(8, entry(undefined, 'no key'))
      .message(8, entry('no value')).message(8, entry('__proto__', 'x')).message(8, entry('10', 'n')).message(8, entry('2', 'm'))
      .message(8, w().string(2, 'v').string(1, 'k').int(3, 1))));
    assert.deepStrictEqual(Object.entries(c?.labels ?? {}), [
      ['2', 'm'], ['10', 'n'], ['b', '3'], ['a', '2'], ['', 'no key'], ['no value', ''], ['k', 'v'],
    ]);
    assert.equal(Object.getPrototypeOf(c?.labels), Object.prototype);
  });

  it('decodes UTF-8 as Node does, invalid bytes to U+FFFD, as protobufjs does on a Buffer', () => {
    const names = [Buffer.from('ünïcødé 🚀'), Buffer.from([0x61, 0xe2, 0x82, 0x62]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0x80])];
    const rows = both<ContainerSummary>('ListContainers', names.reduce((a, n, i) => a.message(1, w().string(1, `c${i}`).message(3, w().string(1, n))), w()));
    assert.deepStrictEqual(rows.map((c) => c.name), ['ünïcødé 🚀', 'a\ufffdb', '\ufffd\ufffd\ufffd', '\ufffd\ufffd']);
    // protobufjs's own decoder, used only for a plain Uint8Array, reads invalid bytes differently; grpc-js always passes a Buffer.
    assert.notEqual(protobuf.util.utf8.read(new Uint8Array([0x61, 0xe2, 0x82, 0x62]), 0, 4), 'a\ufffdb');
  });

  it('lists the default interface first, then the others, one per name, the later winning in place; empty names dropped', () => {
    const iface = (name: string, rx: bigint) => w().string(1, name).message(2, wrapper(rx));
    const [p] = both<PodSandboxUsage>('ListPodSandboxStats', w().message(1, w().message(1, w().string(1, 'p1')).message(2, w()
      .message(3, w().int(1, 3_000_000_000).message(2, iface('eth0', 1n))
        .message(3, iface('lo', 2n)).message(3, iface('eth0', 3n)).message(3, iface('', 4n)).message(3, iface('lo', 5n)))
      .message(4, w().message(2, wrapper(7n))))));
    assert.deepStrictEqual(p, {
      id: 'p1', timestamp: 3, processes: 7, containers: [],
      interfaces: [
        { name: 'eth0', rxBytes: 3, rxErrors: undefined, txBytes: undefined, txErrors: undefined },
        { name: 'lo', rxBytes: 5, rxErrors: undefined, txBytes: undefined, txErrors: undefined },
      ],
    });
  });

  it('takes pod network and process figures from the last LinuxPodSandboxStats only', () => {
    const [p] = both<PodSandboxUsage>('ListPodSandboxStats', w().message(1, w().message(1, w().string(1, 'p1'))
      .message(2, w().message(3, w().int(1, 1_000_000_000).message(2, w().string(1, 'eth0'))).message(4, w().message(2, wrapper(3n))))
      .message(2, w().message(3, w().message(3, w().string(1, 'eth1'))))));
    assert.deepStrictEqual(p, { id: 'p1', timestamp: 0, interfaces: [{ name: 'eth1', rxBytes: undefined, rxErrors: undefined, txBytes: undefined, txErrors: undefined }], processes: undefined, containers: [] });
  });

  it('reads the container rows inside a pod\'s stats like ListContainerStats rows (id-less dropped, the last LinuxPodSandboxStats\'s only), or steps over them', () => {
    const row = (id: string, cpu: bigint) => w().message(1, w().string(1, id)).message(2, w().int(1, 2_000_000_000).message(2, wrapper(cpu)));
    const answer = () => w().message(1, w().message(1, w().string(1, 'p1'))
      .message(2, w().message(5, row('gone', 1n)))
      .message(2, w().message(5, row('a', 5n)).message(5, w().message(2, w().int(1, 1))).message(5, row('b', 6n))));
    const [p] = both<PodSandboxUsage>('ListPodSandboxStats', answer());
    assert.deepStrictEqual(p?.containers.map((u) => [u.id, u.cpuUsageCoreNanoSeconds, u.timestamp]), [['a', 5, 2], ['b', 6, 2]]);
    const [podOnly] = decodeListPodSandboxStats(answer().finish(), false);
    assert.deepStrictEqual({ ...podOnly, containers: [] }, { ...p, containers: [] });
    assert.deepStrictEqual(podOnly?.containers, []);
  });

  it('steps over unknown fields of every wire type, groups included, at every level', () => {
    const noise = (m: WireWriter) => m.tag(99, 0).varint(-1).tag(98, 1).fixed(8, 5n).tag(97, 5).fixed(4, 6n).string(96, 'x')
      .tag(95, 3).tag(1, 0).varint(1).tag(94, 3).string(2, 'y').tag(94, 4).tag(95, 4);
    const [c] = both<ContainerSummary>('ListContainers', noise(w()).message(1, noise(w().string(1, 'c1'))
      .message(3, noise(w().string(1, 'app'))).message(8, noise(w().string(1, 'k').string(2, 'v')))));
    assert.deepStrictEqual([c?.id, c?.name, c?.labels], ['c1', 'app', { k: 'v' }]);
  });
});
