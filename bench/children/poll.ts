// Child process: times one way of polling (see lib/poll-modes.ts) against a
// runtime, alone in its process so that process.cpuUsage() is its CPU only.
// Warm-up polls first (the agent's first poll asks ContainerStatus for every
// container), then timed steady-state polls; bytes come from the bench's
// counting proxy, asked before and after the timed polls.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { constants, gzipSync } from 'node:zlib';
import { containerView } from '../../src/http/views.js';
import { familiesFor, renderFamilies } from '../../src/metrics/render.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import type { PollChildResult } from '../lib/context.js';
import { ask, childOptions, finish } from '../lib/ipc.js';
import { LIST_CALLS, pollTarget, type Mode } from '../lib/poll-modes.js';

interface Options {
  readonly mode: Mode;
  readonly endpoint: string;
  readonly warmup: number;
  readonly polls: number;
  readonly methods?: readonly string[];
  readonly concurrency?: number;
  /** Write a V8 CPU profile of the timed polls here. */
  readonly profile?: string;
}

const opts = childOptions<Options>();
const target = pollTarget(opts.mode, opts.endpoint, opts.methods ?? LIST_CALLS, opts.concurrency ?? 8);

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * CPU milliseconds of `fn` once its code is optimised: median of `times`
 * runs after `warm` unmeasured ones, and its last result. The agent renders
 * the families of its containers (not their usage) again only when a
 * container changes, so after the bench's dozen polls that code has run
 * about once and is not optimised yet: measured cold, a render took 2-3x
 * what it takes in a long-running agent.
 */
function cpuOf<T>(fn: () => T, times = 3, warm = 4): { ms: number; value: T } {
  const runs: number[] = [];
  let value = fn();
  for (let i = 1; i < warm; i++) value = fn();
  for (let i = 0; i < times; i++) {
    const c0 = cpuNow();
    value = fn();
    runs.push(cpuNow() - c0);
  }
  runs.sort((a, b) => a - b);
  return { ms: runs[Math.floor(runs.length / 2)] as number, value };
}

/** What the HTTP routes do per snapshot or per request, measured on the last snapshot. */
function renderCosts(s: Snapshot) {
  // The text alone: the cache compresses each family as it renders it when gzip is asked for.
  const text = cpuOf(() => renderFamilies(familiesFor('all'), s, 'openmetrics'));
  // At the level the agent compresses with (src/metrics/render.ts).
  const gz = cpuOf(() => gzipSync(text.value, { level: constants.Z_BEST_SPEED }));
  const json = cpuOf(() => JSON.stringify(s.containers.map(containerView)));
  return {
    renderMs: text.ms, textBytes: Buffer.byteLength(text.value), gzipMs: gz.ms, gzipBytes: gz.value.length,
    jsonMs: json.ms, jsonBytes: Buffer.byteLength(json.value),
  };
}

/** The V8 sampling profiler of this process, as `node --cpu-prof` runs it, but around the timed polls only. */
async function startProfile(): Promise<{ stop(): Promise<unknown> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      return profile;
    },
  };
}

async function bytes(): Promise<{ received: number; sent: number }> {
  const a = await ask({ type: 'bytes' });
  return { received: Number(a.received), sent: Number(a.sent) };
}

for (let i = 0; i < opts.warmup; i++) await target.poll();
const profiler = opts.profile ? await startProfile() : undefined;
const before = await bytes();
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const polls: PollChildResult['polls'][number][] = [];
for (let i = 0; i < opts.polls; i++) {
  const c0 = cpuNow();
  const t0 = performance.now();
  const calls = await target.poll();
  const wallMs = performance.now() - t0;
  const c1 = cpuNow();
  await target.settle?.();
  const exposeCpuMs = target.settle ? cpuNow() - c1 : undefined;
  polls.push({ wallMs, cpuMs: c1 - c0, exposeCpuMs, calls: Object.fromEntries(calls) });
}
loop.disable();
const after = await bytes();
if (profiler && opts.profile) await writeFile(opts.profile, JSON.stringify(await profiler.stop()));
const snapshot = target.snapshot?.();
const result: PollChildResult = {
  mode: opts.mode,
  polls,
  receivedPerPoll: (after.received - before.received) / opts.polls,
  sentPerPoll: (after.sent - before.sent) / opts.polls,
  loopBlockMaxMs: loop.max / 1e6,
  containers: snapshot?.containers.length,
  render: snapshot && opts.mode === 'agent' ? renderCosts(snapshot) : undefined,
  answerBytes: target.answerBytes?.(),
  answerMs: target.answerMs?.(),
  rssBytes: process.memoryUsage().rss,
};
finish(result);
target.close();
