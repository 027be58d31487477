// The real containerd of the end-to-end harness, with real runc containers:
// 50 containers (25 pods), then 150 containers in 110 pods. The poll cycle as
// on the simulated runtime, then the compiled agent at the default 10 s
// interval: its memory after warm-up and its CPU over two minutes once it
// has settled.
import { existsSync } from 'node:fs';
import { startContainerd, type Containerd } from '../../test/e2e/harness/containerd.js';
import { missingPreconditions } from '../../test/e2e/harness/preconditions.js';
import { connectRuntime, runPod, type RuntimeClient } from '../../test/e2e/harness/pods.js';
import { startAgentProcess, type AgentProcess } from '../lib/agent-process.js';
import { onCleanup } from '../lib/cleanup.js';
import type { BenchContext, PollRow, ServeRow } from '../lib/context.js';
import { cpuMs, peakRssBytes, waitIdle } from '../lib/procstat.js';
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

/** Scrapes /metrics as Prometheus does until stopped; the scrapes' CPU counts as the agent's. */
function scrapeEvery(agent: AgentProcess, seconds: number): () => Promise<void> {
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
      const res = await agent.get('/metrics', PROMETHEUS_HEADERS);
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

class Node {
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

async function measureAgentProcess(ctx: BenchContext, cd: Containerd, subject: PollSubject): Promise<ServeRow> {
  const agent = await startAgentProcess(ctx.build.cli, cd.endpoint, ['--poll-interval', '10s'], 120_000);
  try {
    const warm = await warmUp(agent);
    const stopScraping = scrapeEvery(agent, SCRAPE_EVERY_SECONDS);
    let cpu: number;
    try {
      await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
      await waitIdle(agent.pid);
      const cpu0 = cpuMs(agent.pid);
      await new Promise((r) => setTimeout(r, IDLE_WINDOW_SECONDS * 1000));
      cpu = cpuMs(agent.pid) - cpu0;
    } finally {
      await stopScraping();
    }
    const row: ServeRow = {
      runtime: 'containerd', containers: subject.containers, pods: subject.pods, ...warm, rssPeakBytes: peakRssBytes(agent.pid), cells: [],
      idle: { seconds: IDLE_WINDOW_SECONDS, cpuMs: cpu, millicores: cpu / IDLE_WINDOW_SECONDS },
    };
    ctx.log(`  agent process: RSS ${(warm.rssWarmBytes / 2 ** 20).toFixed(1)} MiB, ${row.idle?.millicores.toFixed(2)} millicores over ${IDLE_WINDOW_SECONDS} s`);
    return row;
  } finally {
    await agent.stop();
  }
}

export async function runReal(ctx: BenchContext): Promise<{ polls: PollRow[]; serve: ServeRow[] }> {
  ctx.log('real containerd: starting the e2e harness');
  const cd = await startContainerd();
  const cri = connectRuntime(cd.endpoint);
  const forget = onCleanup(async () => {
    cri.close();
    await cd.stop();
  });
  try {
    const node = new Node(cd, cri);
    const polls: PollRow[] = [];
    const serve: ServeRow[] = [];
    await node.add(25, 2);
    ctx.log(`real containerd, ${node.subject().containers} containers in ${node.subject().pods} pods`);
    polls.push(...await measurePolls(ctx, node.subject()));
    await node.add(15, 2);
    await node.add(70, 1);
    ctx.log(`real containerd, ${node.subject().containers} containers in ${node.subject().pods} pods`);
    polls.push(...await measurePolls(ctx, node.subject()));
    serve.push(await measureAgentProcess(ctx, cd, node.subject()));
    return { polls, serve };
  } finally {
    forget();
    cri.close();
    ctx.log('real containerd: removing pods and stopping the daemon');
    await cd.stop();
  }
}
