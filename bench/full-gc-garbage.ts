// `node --import tsx bench/full-gc-garbage.ts [--pods 500] [--polls 20] [--modes agent,agent-cri,floor]`
// What one poll leaves that only a full (mark-compact) collection frees, per
// poll mode (lib/poll-modes.ts), at a node of --pods × 2 simulated
// containers: the ArrayBuffer memory (answers, compressed exposition) and
// the old-space objects a poll adds. Both decide how often V8 runs its full
// collections, each of which costs tens of milliseconds of CPU on V8's
// helper threads at 1000 containers.
//
// Each mode runs in a child process of its own with the image's Node flags
// and --expose-gc; the simulated runtime runs in another, so that its
// buffers are not counted. A poll is measured between two pairs of forced
// young-generation collections (whatever is young and dead is gone at
// either end), and only polls during which no full collection ran count.
// The medians are printed; no baseline is needed, the modes are compared
// with one another in the same run (floor: the bare client).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import v8 from 'node:v8';
import { startChild } from './lib/children.js';
import { imageNodeFlags } from './lib/image-flags.js';
import { LIST_CALLS, pollTarget, type Mode } from './lib/poll-modes.js';
import { median } from './lib/stats.js';
import { table } from './lib/table.js';

const { values: flags } = parseArgs({
  options: {
    pods: { type: 'string', default: '500' },
    polls: { type: 'string', default: '20' },
    modes: { type: 'string', default: 'agent,agent-cri,floor' },
    child: { type: 'string' },
    endpoint: { type: 'string' },
  },
});

interface ModeResult {
  readonly mode: string;
  readonly polls: number;
  readonly arrayBufferKiB: number;
  readonly oldSpaceKiB: number;
}

// The calls of a steady-state agent poll on the simulated containerd (bench/lib/poll-modes.ts).
const METHODS = LIST_CALLS.filter((m) => m !== 'ListContainerStats');

if (flags.child !== undefined) await runChild(flags.child as Mode, String(flags.endpoint));
else await runParent();

async function runParent(): Promise<void> {
  const pods = Number(flags.pods);
  const sim = startChild(fileURLToPath(new URL('./children/sim.ts', import.meta.url)), { pods, containersPerPod: 2, profile: 'containerd' }, ['--import', 'tsx']);
  try {
    const ready = await sim.next('ready', 120_000);
    const endpoint = `unix://${String(ready.socketPath)}`;
    const rows: ModeResult[] = [];
    for (const mode of String(flags.modes).split(',')) rows.push(await measureIn(mode, endpoint));
    console.log(`What a poll leaves for a full collection, ${Number(ready.containers)} simulated containers (medians over polls without one)`);
    console.log(table(['mode', 'polls', 'ArrayBuffer KiB', 'old space KiB'], rows.map((r) => [r.mode, r.polls, r.arrayBufferKiB.toFixed(0), r.oldSpaceKiB.toFixed(0)])));
  } finally {
    await sim.stop();
  }
}

function measureIn(mode: string, endpoint: string): Promise<ModeResult> {
  const args = ['--child', mode, '--endpoint', endpoint, '--polls', String(flags.polls)];
  const child = fork(fileURLToPath(import.meta.url), args, { execArgv: [...imageNodeFlags(), '--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as ModeResult));
    child.once('exit', (code) => reject(new Error(`full-gc-garbage: ${mode} exited (${code}) without a result`)));
  });
}

async function runChild(mode: Mode, endpoint: string): Promise<void> {
  const gc = (globalThis as { gc?: (o?: { type: 'minor' | 'major' }) => void }).gc;
  if (gc === undefined) throw new Error('full-gc-garbage: the child needs --expose-gc');
  let fullCollections = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) fullCollections++;
  }).observe({ entryTypes: ['gc'] });
  const target = pollTarget(mode, endpoint, METHODS, 8);
  const youngSweep = () => { gc({ type: 'minor' }); gc({ type: 'minor' }); };
  const arrayBuffers = () => process.memoryUsage().arrayBuffers;
  const oldSpace = () => v8.getHeapSpaceStatistics().filter((s) => s.space_name !== 'new_space').reduce((a, s) => a + s.space_used_size, 0);
  const buffers: number[] = [];
  const objects: number[] = [];
  for (let i = 0; i < 5; i++) { await target.poll(); await target.settle?.(); }
  for (let i = 0; i < Number(flags.polls); i++) {
    youngSweep();
    const before = { full: fullCollections, buffers: arrayBuffers(), objects: oldSpace() };
    await target.poll();
    await target.settle?.();
    youngSweep();
    if (fullCollections !== before.full) continue;
    buffers.push(arrayBuffers() - before.buffers);
    objects.push(oldSpace() - before.objects);
  }
  target.close();
  const result: ModeResult = { mode, polls: buffers.length, arrayBufferKiB: median(buffers) / 1024, oldSpaceKiB: median(objects) / 1024 };
  process.send?.(result, () => process.exit(0));
}
