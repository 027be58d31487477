// Part 1–3: one poll cycle of the agent, of the floor (bare grpc-js, same
// calls, no processing) and of the classic per-container sweep, each in its
// own child process, all through the byte-counting proxy.
import { join } from 'node:path';
import { startChild } from '../lib/children.js';
import { imageEnv, imageNodeFlags } from '../lib/image-flags.js';
import type { BenchContext, PollChildResult, PollRow, RuntimeKind } from '../lib/context.js';
import { LIST_CALLS, listCallsOf, type Mode } from '../lib/poll-modes.js';
import { startByteProxy, type ByteProxy } from '../lib/proxy.js';
import { max, median } from '../lib/stats.js';

export interface PollSubject {
  readonly runtime: RuntimeKind;
  readonly socketPath: string;
  readonly containers: number;
  readonly pods: number;
}

interface Plan {
  readonly warmup: number;
  readonly polls: number;
}

/**
 * Poll counts: enough for a stable median, few enough for the time budget at
 * 5000 containers and on containerd (whose list calls take seconds).
 */
function plan(mode: Mode, subject: PollSubject, quick: boolean): Plan {
  const { containers } = subject;
  const scale = quick ? 0.5 : 1;
  const n = (x: number) => Math.max(1, Math.round(x * scale));
  if (subject.runtime === 'containerd') return mode === 'classic' ? { warmup: 1, polls: n(3) } : { warmup: mode.startsWith('agent') ? 2 : 1, polls: n(8) };
  if (mode === 'classic') return containers <= 300 ? { warmup: 1, polls: n(5) } : { warmup: containers <= 1000 ? 1 : 0, polls: n(2) };
  if (containers <= 300) return { warmup: 3, polls: n(20) };
  return containers <= 1000 ? { warmup: 2, polls: n(10) } : { warmup: 2, polls: n(4) };
}

async function runMode(ctx: BenchContext, proxy: ByteProxy, subject: PollSubject, mode: Mode, methods: readonly string[]): Promise<PollRow> {
  const p = plan(mode, subject, ctx.quick);
  const profile = ctx.profileDir && mode.startsWith('agent') ? join(ctx.profileDir, `${mode}-${subject.runtime}-${subject.containers}.cpuprofile`) : undefined;
  // The agent modes run with the image's Node flags (heap sizing), as the agent does in a pod.
  const child = startChild(ctx.build.child('poll'), { mode, endpoint: proxy.endpoint, ...p, methods, concurrency: 8, profile }, mode.startsWith('agent') ? imageNodeFlags() : [], mode.startsWith('agent') ? imageEnv() : {});
  child.onAsk(() => ({ ...proxy.counts() }));
  const timer = setTimeout(() => void child.stop(), 10 * 60_000);
  try {
    const r = (await child.result) as unknown as PollChildResult;
    const last = r.polls[r.polls.length - 1]?.calls ?? {};
    return {
      runtime: subject.runtime, containers: subject.containers, pods: subject.pods, mode, polls: r.polls.length,
      wallMs: median(r.polls.map((x) => x.wallMs)), wallMaxMs: max(r.polls.map((x) => x.wallMs)),
      cpuMs: median(r.polls.map((x) => x.cpuMs)),
      exposeCpuMs: r.polls[0]?.exposeCpuMs === undefined ? undefined : median(r.polls.map((x) => x.exposeCpuMs ?? 0)),
      callsPerPoll: Object.values(last).reduce((a, b) => a + b, 0), callsByMethod: last,
      receivedBytes: r.receivedPerPoll, sentBytes: r.sentPerPoll, loopBlockMaxMs: r.loopBlockMaxMs, render: r.render,
      answerBytes: r.answerBytes, answerMs: r.answerMs,
    };
  } finally {
    clearTimeout(timer);
    await child.stop();
  }
}

export async function measurePolls(ctx: BenchContext, subject: PollSubject): Promise<PollRow[]> {
  const proxy = await startByteProxy(join(ctx.tmp, `proxy-${subject.runtime}-${subject.containers}.sock`), subject.socketPath);
  try {
    const rows: PollRow[] = [];
    const agent = await runMode(ctx, proxy, subject, 'agent', LIST_CALLS);
    rows.push(agent);
    // The floors make the list calls the agent made in its last steady poll.
    const methods = listCallsOf(agent.callsByMethod);
    for (const mode of ['agent-cri', 'floor', 'floor-raw', 'classic'] as const) rows.push(await runMode(ctx, proxy, subject, mode, methods));
    for (const r of rows) {
      ctx.log(`  ${r.mode.padEnd(9)} wall ${r.wallMs.toFixed(1)} ms  cpu ${r.cpuMs.toFixed(1)} ms  calls ${r.callsPerPoll}  rx ${(r.receivedBytes / 1024).toFixed(0)} KiB`);
    }
    return rows;
  } finally {
    await proxy.close();
  }
}
