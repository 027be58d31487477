// `node --import tsx bench/decode.ts [--pods 500] [--containers-per-pod 2] [--profile containerd] [--seconds 2] [--rounds 2]`
// The four list answers of a poll, decoded two ways: "pbjs", protobufjs with
// the agent's 'reader' proto followed by convert.ts (the agent's path before
// src/cri/list-decoders.ts), and "hand", the hand-written wire decoders. The
// answers are the bytes the simulated runtime would send for that node.
//
// Each measurement runs in a child process of its own: decoders that share a
// heap charge each other's garbage collections (V8 also pretenures by
// allocation site, and a tight loop of one decoder changes that for the
// next). A child warms up, then decodes in batches for --seconds, keeping the
// latest result alive as the agent's snapshot does until the next poll, and
// reports CPU time (process.cpuUsage) and bytes allocated. "poll" decodes all
// four answers in turn, which is what a poll costs.
import { execFileSync } from 'node:child_process';
import { deepStrictEqual } from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GCProfiler } from 'node:v8';
import * as convert from '../src/cri/convert.js';
import {
  decodeListContainers, decodeListContainerStats, decodeListPodSandbox, decodeListPodSandboxStats,
} from '../src/cri/list-decoders.js';
import { loadCriDefinition, readerProtobufjsDecoder } from '../src/cri/proto.js';
import { Renderer } from '../src/sim/answers.js';
import { getProfile, PROFILE_NAMES, type ProfileName } from '../src/sim/profiles.js';
import { IndexedWorld } from './lib/indexed-world.js';
import { table, type Cell } from './lib/table.js';

const { values: flags } = parseArgs({
  options: {
    pods: { type: 'string', default: '500' },
    'containers-per-pod': { type: 'string', default: '2' },
    profile: { type: 'string', default: 'containerd' },
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    child: { type: 'string' },
    target: { type: 'string' },
  },
});
const profile = flags.profile as ProfileName;
if (!PROFILE_NAMES.includes(profile)) throw new Error(`--profile: one of ${PROFILE_NAMES.join(', ')}`);

type Decoder = 'pbjs' | 'hand';
type Decode = (bytes: Buffer) => unknown;
interface Answer {
  readonly method: string;
  readonly bytes: Buffer;
  readonly pbjs: Decode;
  readonly hand: Decode;
}
const METHODS = ['ListContainers', 'ListPodSandbox', 'ListContainerStats', 'ListPodSandboxStats'] as const;
const TARGETS = [...METHODS, 'poll'] as const;

/** The bytes the simulated runtime puts on the wire for each answer, and both decoders of it. */
function answers(): Answer[] {
  const world = new IndexedWorld({ pods: Number(flags.pods), containersPerPod: Number(flags['containers-per-pod']), seed: 42 });
  const handlers = new Renderer(getProfile(profile), world, false, {}).handlers('v1');
  const served = loadCriDefinition('v1')['runtime.v1.RuntimeService'] as unknown as Record<string, { responseSerialize(v: unknown): Buffer }>;
  const make = (method: string, toDomain: (r: unknown) => unknown, hand: Decode): Answer => {
    const handler = handlers[method];
    if (!handler) throw new Error(`the ${profile} profile does not answer ${method}`);
    const bytes = served[method]!.responseSerialize(handler({}));
    const decode = readerProtobufjsDecoder('v1', method);
    return { method, bytes, pbjs: (b) => toDomain(decode(b)), hand };
  };
  return [
    make('ListContainers', convert.toContainerSummaries, decodeListContainers),
    make('ListPodSandbox', convert.toPodSandboxes, decodeListPodSandbox),
    make('ListContainerStats', convert.toContainerUsages, decodeListContainerStats),
    make('ListPodSandboxStats', convert.toPodSandboxUsages, decodeListPodSandboxStats),
  ];
}

interface Sample {
  iterations: number;
  cpuMs: number;
  /** CPU ms per iteration of each batch. */
  batchMs: number[];
  gcMs: number;
  allocatedBytes: number;
}

const BATCH_MS = 20;
/** What a poll keeps until the next one; the measured loop does the same with its results. */
let retained: unknown[] = [];

function runChild(decoder: Decoder, target: string): Sample {
  const all = answers();
  const chosen = target === 'poll' ? all : all.filter((a) => a.method === target);
  const once = () => {
    retained = chosen.map((a) => a[decoder](a.bytes));
  };
  const perBatch = Math.max(1, Math.round(BATCH_MS / cpuMs(once, 5)));
  timeBatches(once, perBatch, 1);
  return timeBatches(once, perBatch, Number(flags.seconds));
}

function cpuMs(fn: () => void, times: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < times; i++) fn();
  const used = process.cpuUsage(start);
  return Math.max(0.001, (used.user + used.system) / 1000 / times);
}

/**
 * Bytes allocated are the heap's growth between collections, summed: a
 * collection's "before" less the previous one's "after" is what was
 * allocated in between, objects that died young included.
 */
function timeBatches(once: () => void, perBatch: number, seconds: number): Sample {
  const sample: Sample = { iterations: 0, cpuMs: 0, batchMs: [], gcMs: 0, allocatedBytes: 0 };
  const profiler = new GCProfiler();
  profiler.start();
  const heapAtStart = process.memoryUsage().heapUsed;
  const until = performance.now() + seconds * 1000;
  do {
    const ms = cpuMs(once, perBatch);
    sample.batchMs.push(ms);
    sample.cpuMs += ms * perBatch;
    sample.iterations += perBatch;
  } while (performance.now() < until);
  const heapAtEnd = process.memoryUsage().heapUsed;
  let after = heapAtStart;
  for (const gc of profiler.stop()?.statistics ?? []) {
    sample.allocatedBytes += gc.beforeGC.heapStatistics.usedHeapSize - after;
    after = gc.afterGC.heapStatistics.usedHeapSize;
    sample.gcMs += gc.cost / 1000;
  }
  sample.allocatedBytes += heapAtEnd - after;
  return sample;
}

function spawnChild(decoder: Decoder, target: string): Sample {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--child', decoder, '--target', target,
    '--pods', flags.pods, '--containers-per-pod', flags['containers-per-pod'], '--profile', profile, '--seconds', flags.seconds];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as Sample;
}

function merge(a: Sample, b: Sample): Sample {
  return {
    iterations: a.iterations + b.iterations, cpuMs: a.cpuMs + b.cpuMs, batchMs: [...a.batchMs, ...b.batchMs],
    gcMs: a.gcMs + b.gcMs, allocatedBytes: a.allocatedBytes + b.allocatedBytes,
  };
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function runParent(): void {
  const all = answers();
  for (const a of all) deepStrictEqual(a.hand(a.bytes), a.pbjs(a.bytes), `${a.method}: the two decoders disagree`);
  const results = new Map<string, Record<Decoder, Sample | undefined>>(TARGETS.map((t) => [t, { pbjs: undefined, hand: undefined }]));
  for (let round = 0; round < Number(flags.rounds); round++) {
    for (const target of TARGETS) {
      // Alternate which goes first, so that neither always gets the quieter moments of a busy machine.
      for (const decoder of round % 2 === 0 ? ['pbjs', 'hand'] as const : ['hand', 'pbjs'] as const) {
        const r = results.get(target)!;
        const s = spawnChild(decoder, target);
        r[decoder] = r[decoder] ? merge(r[decoder], s) : s;
      }
    }
  }
  report(all, results);
}

function report(all: readonly Answer[], results: Map<string, Record<Decoder, Sample | undefined>>): void {
  const kib = (target: string) => all.filter((a) => target === 'poll' || a.method === target).reduce((n, a) => n + a.bytes.length, 0) / 1024;
  const rows: Cell[][] = TARGETS.map((target) => {
    const { pbjs, hand } = results.get(target) as Record<Decoder, Sample>;
    const mean = (s: Sample) => s.cpuMs / s.iterations;
    const perIteration = (s: Sample, v: number) => v / s.iterations;
    return [
      target, kib(target),
      median(pbjs.batchMs), median(hand.batchMs), median(pbjs.batchMs) / median(hand.batchMs),
      mean(pbjs), mean(hand), mean(pbjs) / mean(hand),
      perIteration(pbjs, pbjs.gcMs), perIteration(hand, hand.gcMs),
      perIteration(pbjs, pbjs.allocatedBytes) / 2 ** 20, perIteration(hand, hand.allocatedBytes) / 2 ** 20,
    ];
  });
  const containers = Number(flags.pods) * Number(flags['containers-per-pod']);
  console.log(`${profile} answers for ${flags.pods} pods, ${containers} containers; node ${process.version}; per decode:`);
  console.log('CPU ms (median of ~20 ms batches; mean with every collection), GC ms, MiB allocated');
  console.log('pbjs = protobufjs with the reader proto + convert.ts; hand = src/cri/list-decoders.ts\n');
  console.log(table(
    ['answer', 'KiB', 'pbjs med', 'hand med', 'x', 'pbjs mean', 'hand mean', 'x', 'pbjs GC', 'hand GC', 'pbjs MiB', 'hand MiB'],
    rows, 2,
  ));
}

if (flags.child !== undefined) {
  const decoder = flags.child as Decoder;
  if (decoder !== 'pbjs' && decoder !== 'hand') throw new Error('--child: pbjs or hand');
  process.stdout.write(JSON.stringify(runChild(decoder, flags.target ?? 'poll')));
} else {
  runParent();
}
