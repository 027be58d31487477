// How a simulated container's CPU, memory, faults and writable layer, and a
// pod's network, evolve: a pure function of the clock and of constants drawn
// once per container, so a scrape at the same instant always sees the same
// figures and counters never go backwards.
import type { Random } from './random.js';
import type { SimContainer, SimPod, UsageModel } from './types.js';

export interface ContainerUsage {
  readonly cpuNs: number;
  readonly workingSetBytes: number; readonly usageBytes: number; readonly rssBytes: number;
  readonly pageFaults: number; readonly majorPageFaults: number;
  readonly writableBytes: number; readonly writableInodes: number;
  readonly processes: number;
}

/** loBytes: loopback traffic, which only runtimes listing every link report. */
export interface PodUsage extends ContainerUsage {
  readonly rxBytes: number; readonly txBytes: number; readonly loBytes: number;
}

/** Average CPU in cores and typical working set; unset ones are drawn. */
export interface UsageHints {
  readonly cpuCores?: number;
  readonly memoryBytes?: number;
}

const PAGE = 4096;

const ZERO_USAGE: ContainerUsage = Object.freeze({
  cpuNs: 0, workingSetBytes: 0, usageBytes: 0, rssBytes: 0, pageFaults: 0, majorPageFaults: 0,
  writableBytes: 0, writableInodes: 0, processes: 0,
});

/** The draw order is part of the seed's contract: changing it changes every later ID. */
export function drawUsageModel(r: Random, hints: UsageHints): UsageModel {
  const cores = hints.cpuCores ?? 0.005 + r() * 0.4;
  const mem = hints.memoryBytes ?? (8 + r() * 300) * 2 ** 20;
  return {
    cpuCores: cores, cpuSwing: 0.2 + r() * 0.6, cpuPeriodS: 60 + r() * 540,
    memBytes: mem, memSwingBytes: mem * (0.05 + r() * 0.25), memPeriodS: 120 + r() * 900, phase: r() * 2 * Math.PI,
    cacheBytes: Math.floor((r() * 64 * 2 ** 20) / PAGE) * PAGE, rssRatio: 0.7 + r() * 0.25,
    memLimitBytes: r() < 0.7 ? 2 ** Math.ceil(Math.log2(mem * 2)) : 0,
    faultsPerS: 5 + r() * 400, majorFaultsPerS: r() * 0.05,
    layerBytes: Math.floor(r() * 2e6) * 8, layerBytesPerS: r() * 50, layerInodes: 5 + Math.floor(r() * 200),
    processes: 1 + Math.floor(r() * 4),
  };
}

/** Usage at the clock's time; an exited container's numbers stay where they were when it exited. */
export function containerUsage(c: SimContainer, now: () => number): ContainerUsage {
  if (c.startedAt === 0) return ZERO_USAGE;
  const end = c.state === 'CONTAINER_EXITED' && c.finishedAt > 0 ? c.finishedAt : now();
  const m = c.model;
  const elapsed = Math.max(0, (end - c.startedAt) / 1000);
  const omega = (2 * Math.PI) / m.cpuPeriodS;
  // Integral of cores * (1 + swing * sin(omega t)): the rate wobbles, the counter only grows.
  const cpuNs = m.cpuCores * 1e9 * (elapsed + (m.cpuSwing * (1 - Math.cos(omega * elapsed))) / omega);
  const wave = Math.sin((2 * Math.PI * end) / 1000 / m.memPeriodS + m.phase);
  const workingSet = Math.round((m.memBytes + m.memSwingBytes * wave) / PAGE) * PAGE;
  return {
    cpuNs: Math.floor(cpuNs),
    workingSetBytes: workingSet,
    usageBytes: workingSet + m.cacheBytes,
    rssBytes: Math.round((workingSet * m.rssRatio) / PAGE) * PAGE,
    pageFaults: Math.floor(4000 + m.faultsPerS * elapsed),
    majorPageFaults: Math.floor(10 + m.majorFaultsPerS * elapsed),
    writableBytes: Math.floor(m.layerBytes + m.layerBytesPerS * elapsed),
    writableInodes: Math.floor(m.layerInodes + elapsed / 300),
    processes: c.state === 'CONTAINER_RUNNING' ? m.processes : 0,
  };
}

/** The pod cgroup: every container's CPU (cgroup counters outlive children), live containers' memory, plus pause. */
export function podUsage(pod: SimPod, containers: readonly SimContainer[], now: () => number): PodUsage {
  const parts = containers.map((c) => ({ c, u: containerUsage(c, now) }));
  const live = parts.filter((p) => p.c.state === 'CONTAINER_RUNNING');
  const sum = (list: typeof parts, f: (u: ContainerUsage) => number) => list.reduce((n, p) => n + f(p.u), 0);
  const elapsed = Math.max(0, (now() - pod.createdAt) / 1000);
  const pause = 307_200;
  return {
    cpuNs: Math.floor(sum(parts, (u) => u.cpuNs) + elapsed * 2e5),
    workingSetBytes: sum(live, (u) => u.workingSetBytes) + pause,
    usageBytes: sum(live, (u) => u.usageBytes) + pause,
    rssBytes: sum(live, (u) => u.rssBytes) + pause,
    pageFaults: sum(parts, (u) => u.pageFaults) + 600,
    majorPageFaults: sum(parts, (u) => u.majorPageFaults),
    writableBytes: 0,
    writableInodes: 0,
    processes: sum(live, (u) => u.processes),
    rxBytes: Math.floor(pod.rxBytesPerS * elapsed),
    txBytes: Math.floor(pod.txBytesPerS * elapsed),
    loBytes: Math.floor(64 * elapsed),
  };
}
