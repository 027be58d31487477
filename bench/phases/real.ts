// The real containerd of the end-to-end harness, with real runc containers:
// 50 containers (25 pods), then 150 containers in 110 pods. The poll cycle as
// on the simulated runtime, then the compiled agent at the default 10 s
// interval: its memory after warm-up and its CPU over two minutes once it
// has settled; then cAdvisor (when Go can build it) over the same window
// against the same containerd, and the runtime's own CPU during each.
import { existsSync } from 'node:fs';
import { startContainerd, type Containerd } from '../../test/e2e/harness/containerd.js';
import { missingPreconditions } from '../../test/e2e/harness/preconditions.js';
import { connectRuntime, runPod, type RuntimeClient } from '../../test/e2e/harness/pods.js';
import { startAgentProcess, type AgentProcess } from '../lib/agent-process.js';
import { onCleanup } from '../lib/cleanup.js';
import { buildCadvisor, CADVISOR_VERSION, startCadvisor } from '../lib/cadvisor.js';
import type { BenchContext, PeerRow, PeerSkipped, PollRow, ServeRow } from '../lib/context.js';
import { cpuMs, peakRssBytes, rssBytes, waitIdle } from '../lib/procstat.js';
import { measurePolls, type PollSubject } from './polls.js';
import { PROMETHEUS_HEADERS, warmUp } from './serving.js';

/** Why the real runtime cannot be used here, or undefined. */
export function realUnavailable(): string | undefined {
  return missingPreconditions(['containerd', 'runc', 'ctr']) ?? (existsSync('/bin/busybox') ? undefined : 'missing /bin/busybox');
}

/**
 * The agent's CPU is measured over this window, after SETTLE_SECONDS of
 * polling: its first polls also pay for compiling the code (V8 optimises
 * hot functions on background threads that count in the process's CPU),
 * which a DaemonSet pod pays once in days.
 */
const IDLE_WINDOW_SECONDS = 120;
const SETTLE_SECONDS = 60;
/**
 * Prometheus scrapes the agent meanwhile, every 30 s as kube-prometheus
 * scrapes the kubelet's cAdvisor (Prometheus's own default is a minute): the
 * agent prepares the exposition of the polls that a scrape will read.
 */
const SCRAPE_EVERY_SECONDS = 30;

/** Scrapes /metrics as Prometheus does until stopped; the scrapes' CPU counts as the process's. */
function scrapeEvery(proc: AgentProcess, seconds: number, headers: Record<string, string>): () => Promise<void> {
  let stopped = false;
  let failure: unknown;
  let wake: () => void = () => undefined;
  const loop = (async () => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, seconds * 1000);
      });
      if (stopped) return;
      const res = await proc.get('/metrics', headers);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
    }
  })().catch((err: unknown) => {
    failure = err;
  });
  return async () => {
    stopped = true;
    wake();
    await loop;
    if (failure !== undefined) throw failure;
  };
}

/** The containerd of the e2e harness with the pods the bench adds to it. */
export class RealNode {
  private pods = 0;
  private containers = 0;
  constructor(private readonly cd: Containerd, private readonly cri: RuntimeClient) {}

  /** Adds `count` pods of `perPod` containers, four at a time. */
  async add(count: number, perPod: 1 | 2): Promise<void> {
    const ks = Array.from({ length: count }, () => this.pods++);
    this.containers += count * perPod;
    const one = (k: number) => runPod(this.cri, {
      name: `bench-${k}`, namespace: 'bench', uid: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`, logDir: this.cd.logDir,
      containers: ['app', 'sidecar'].slice(0, perPod).map((name) => ({ name, command: ['sleep', '100000'] })),
    });
    let next = 0;
    const worker = async () => {
      while (next < ks.length) await one(ks[next++] as number);
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }

  subject(): PollSubject {
    return { runtime: 'containerd', socketPath: this.cd.socket, containers: this.containers, pods: this.pods };
  }
}

interface Window {
  readonly cpuMs: number;
  readonly runtimeCpuMs: number;
}

/** CPU of the runtime's processes (containerd, shims, containers) that are alive at both ends. */
export async function runtimeCpu(cd: Containerd): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const pid of await cd.processes()) {
    try {
      out.set(pid, cpuMs(pid));
    } catch {
      // gone since it was listed
    }
  }
  return out;
}

/** CPU milliseconds between two readings of runtimeCpu, over the processes in both. */
export function runtimeCpuSince(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const [pid, end] of after) {
    const start = before.get(pid);
    if (start !== undefined) sum += end - start;
  }
  return sum;
}

/**
 * Lets `proc` settle while Prometheus scrapes it, then measures its CPU and
 * the runtime's over IDLE_WINDOW_SECONDS, still scraped.
 */
async function measureWindow(proc: AgentProcess, cd: Containerd, headers: Record<string, string>): Promise<Window> {
  const stopScraping = scrapeEvery(proc, SCRAPE_EVERY_SECONDS, headers);
  try {
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
    await waitIdle(proc.pid);
    const cpu0 = cpuMs(proc.pid);
    const runtime0 = await runtimeCpu(cd);
    await new Promise((r) => setTimeout(r, IDLE_WINDOW_SECONDS * 1000));
    const cpu = cpuMs(proc.pid) - cpu0;
    return { cpuMs: cpu, runtimeCpuMs: runtimeCpuSince(runtime0, await runtimeCpu(cd)) };
  } finally {
    await stopScraping();
  }
}

/** One /metrics answer as a scraper reads it: its size uncompressed, and its samples. */
async function metricsSize(proc: AgentProcess, headers: Record<string, string>): Promise<{ bytes: number; samples: number }> {
  const text = await (await proc.get('/metrics', headers)).text();
  return { bytes: Buffer.byteLength(text), samples: text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length };
}

function peerRow(name: string, subject: PollSubject, proc: AgentProcess, rssWarmBytes: number, w: Window, m: { bytes: number; samples: number }): PeerRow {
  return {
    name, containers: subject.containers, pods: subject.pods, rssWarmBytes, rssPeakBytes: peakRssBytes(proc.pid),
    idle: { seconds: IDLE_WINDOW_SECONDS, cpuMs: w.cpuMs, millicores: w.cpuMs / IDLE_WINDOW_SECONDS },
    runtimeMillicores: w.runtimeCpuMs / IDLE_WINDOW_SECONDS, metricsBytes: m.bytes, metricsSamples: m.samples,
  };
}

/** The runtime's own CPU with nothing watching it: what the agent's and cAdvisor's windows add to. */
async function measureRuntimeAlone(ctx: BenchContext, cd: Containerd): Promise<number> {
  await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
  const before = await runtimeCpu(cd);
  await new Promise((r) => setTimeout(r, IDLE_WINDOW_SECONDS * 1000));
  const millicores = runtimeCpuSince(before, await runtimeCpu(cd)) / IDLE_WINDOW_SECONDS;
  ctx.log(`  containerd and shims with nothing watching: ${millicores.toFixed(2)} millicores over ${IDLE_WINDOW_SECONDS} s`);
  return millicores;
}

async function measureAgentProcess(ctx: BenchContext, cd: Containerd, subject: PollSubject): Promise<{ serve: ServeRow; peer: PeerRow }> {
  const agent = await startAgentProcess(ctx.build.cli, cd.endpoint, ['--poll-interval', '10s'], 120_000);
  try {
    const warm = await warmUp(agent);
    const w = await measureWindow(agent, cd, PROMETHEUS_HEADERS);
    const peer = peerRow('cri-exporter', subject, agent, warm.rssWarmBytes, w, await metricsSize(agent, PROMETHEUS_HEADERS));
    const serve: ServeRow = {
      runtime: 'containerd', containers: subject.containers, pods: subject.pods, ...warm, rssPeakBytes: peer.rssPeakBytes, cells: [], idle: peer.idle,
    };
    ctx.log(`  agent process: RSS ${(warm.rssWarmBytes / 2 ** 20).toFixed(1)} MiB, ${peer.idle.millicores.toFixed(2)} millicores over ${IDLE_WINDOW_SECONDS} s; containerd and shims ${peer.runtimeMillicores.toFixed(2)}`);
    return { serve, peer };
  } finally {
    await agent.stop();
  }
}

async function measureCadvisor(ctx: BenchContext, cd: Containerd, subject: PollSubject): Promise<PeerRow | PeerSkipped> {
  const name = `cAdvisor ${CADVISOR_VERSION}`;
  const built = await buildCadvisor();
  if ('reason' in built) {
    ctx.log(`  *** ${name} skipped: ${built.reason} ***`);
    return { name, reason: built.reason };
  }
  const cadvisor = await startCadvisor(built.binary, cd.socket, 'bench', 120_000);
  try {
    // Its first housekeeping rounds, as the agent's first polls, before the warm figure.
    await new Promise((r) => setTimeout(r, 20_000));
    const rssWarm = rssBytes(cadvisor.pid);
    const w = await measureWindow(cadvisor, cd, PROMETHEUS_HEADERS);
    const peer = peerRow(name, subject, cadvisor, rssWarm, w, await metricsSize(cadvisor, PROMETHEUS_HEADERS));
    ctx.log(`  ${name}: RSS ${(rssWarm / 2 ** 20).toFixed(1)} MiB, ${peer.idle.millicores.toFixed(2)} millicores over ${IDLE_WINDOW_SECONDS} s; containerd and shims ${peer.runtimeMillicores.toFixed(2)}`);
    return peer;
  } finally {
    await cadvisor.stop();
  }
}

export async function runReal(ctx: BenchContext): Promise<{ polls: PollRow[]; serve: ServeRow[]; peers: (PeerRow | PeerSkipped)[]; runtimeAloneMillicores: number }> {
  ctx.log('real containerd: starting the e2e harness');
  const cd = await startContainerd();
  const cri = connectRuntime(cd.endpoint);
  const forget = onCleanup(async () => {
    cri.close();
    await cd.stop();
  });
  try {
    const node = new RealNode(cd, cri);
    const polls: PollRow[] = [];
    const serve: ServeRow[] = [];
    await node.add(25, 2);
    ctx.log(`real containerd, ${node.subject().containers} containers in ${node.subject().pods} pods`);
    polls.push(...await measurePolls(ctx, node.subject()));
    await node.add(15, 2);
    await node.add(70, 1);
    ctx.log(`real containerd, ${node.subject().containers} containers in ${node.subject().pods} pods`);
    polls.push(...await measurePolls(ctx, node.subject()));
    const agent = await measureAgentProcess(ctx, cd, node.subject());
    serve.push(agent.serve);
    const peers = [agent.peer, await measureCadvisor(ctx, cd, node.subject())];
    // Last, after both have stopped: right after the poll modes (thousands of
    // calls) containerd is still busy for a while.
    const runtimeAlone = await measureRuntimeAlone(ctx, cd);
    return { polls, serve, peers, runtimeAloneMillicores: runtimeAlone };
  } finally {
    forget();
    cri.close();
    ctx.log('real containerd: removing pods and stopping the daemon');
    await cd.stop();
  }
}
