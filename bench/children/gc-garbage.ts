// Child process of bench/full-gc-garbage.ts: one poll mode, started with
// --expose-gc. A poll is measured between two pairs of forced
// young-generation collections (whatever is young and dead is gone at either
// end), and only polls during which no full collection ran count; what is
// left is what the poll added that only a full collection frees.
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import v8 from 'node:v8';
import { childOptions, finish } from '../lib/ipc.js';
import { pollTarget, type Mode } from '../lib/poll-modes.js';
import { median } from '../lib/stats.js';

interface Options {
  readonly mode: Mode;
  readonly endpoint: string;
  readonly methods: readonly string[];
  readonly polls: number;
}

export interface GcGarbageResult {
  readonly mode: string;
  readonly polls: number;
  readonly arrayBufferKiB: number;
  readonly oldSpaceKiB: number;
  /** The calls of the last poll, by method. */
  readonly calls: Record<string, number>;
}

const opts = childOptions<Options>();
const gc = (globalThis as { gc?: (o?: { type: 'minor' | 'major' }) => void }).gc;
if (gc === undefined) throw new Error('gc-garbage child: start it with --expose-gc');

let fullCollections = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) fullCollections++;
});
observer.observe({ entryTypes: ['gc'] });

const target = pollTarget(opts.mode, opts.endpoint, opts.methods, 8);
const youngSweep = () => { gc({ type: 'minor' }); gc({ type: 'minor' }); };
const arrayBuffers = () => process.memoryUsage().arrayBuffers;
const oldSpace = () => v8.getHeapSpaceStatistics().filter((s) => s.space_name !== 'new_space').reduce((a, s) => a + s.space_used_size, 0);

const buffers: number[] = [];
const objects: number[] = [];
let calls = new Map<string, number>();
for (let i = 0; i < 5; i++) { await target.poll(); await target.settle?.(); }
for (let i = 0; i < opts.polls; i++) {
  youngSweep();
  const before = { full: fullCollections, buffers: arrayBuffers(), objects: oldSpace() };
  calls = await target.poll();
  await target.settle?.();
  youngSweep();
  if (fullCollections !== before.full) continue;
  buffers.push(arrayBuffers() - before.buffers);
  objects.push(oldSpace() - before.objects);
}
target.close();
observer.disconnect();
const result: GcGarbageResult = { mode: opts.mode, polls: buffers.length, arrayBufferKiB: median(buffers) / 1024, oldSpaceKiB: median(objects) / 1024, calls: Object.fromEntries(calls) };
finish(result);
