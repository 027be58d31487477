// What every phase of the bench is given, and the rows it hands back.
import type { Build } from './build.js';
import type { CellResult } from './load.js';

export interface BenchContext {
  readonly build: Build;
  /** A private temp dir for sockets. */
  readonly tmp: string;
  readonly quick: boolean;
  /** Seconds per HTTP load cell. */
  readonly cellSeconds: number;
  /** When set, the agent's poll children write V8 CPU profiles here (--cpu-prof). */
  readonly profileDir?: string;
  log(line: string): void;
}

export type RuntimeKind = 'sim' | 'containerd';

export interface RenderCosts {
  readonly renderMs: number;
  readonly textBytes: number;
  readonly gzipMs: number;
  readonly gzipBytes: number;
  readonly jsonMs: number;
  readonly jsonBytes: number;
}

/** What a poll child (children/poll.ts) reports: every timed poll, and what it measured around them. */
export interface PollChildResult {
  readonly mode: string;
  readonly polls: readonly { wallMs: number; cpuMs: number; exposeCpuMs?: number; calls: Record<string, number> }[];
  readonly receivedPerPoll: number;
  readonly sentPerPoll: number;
  readonly loopBlockMaxMs: number;
  readonly containers?: number;
  readonly render?: RenderCosts;
  readonly answerBytes?: Record<string, number>;
  readonly answerMs?: Record<string, number>;
  readonly rssBytes: number;
}

/** One poll mode at one size, as the tables show it: medians of a child's timed polls. */
export interface PollRow {
  readonly runtime: RuntimeKind;
  readonly containers: number;
  readonly pods: number;
  readonly mode: string;
  readonly polls: number;
  readonly wallMs: number;
  readonly wallMaxMs: number;
  readonly cpuMs: number;
  /** Agent modes: CPU from the end of the poll until its exposition is rendered and gzipped. */
  readonly exposeCpuMs?: number;
  readonly callsPerPoll: number;
  readonly callsByMethod: Record<string, number>;
  readonly receivedBytes: number;
  readonly sentBytes: number;
  readonly loopBlockMaxMs: number;
  readonly render?: RenderCosts;
  /** Protobuf bytes of each call's answer (floor-raw rows). */
  readonly answerBytes?: Record<string, number>;
  /** Milliseconds each call took to answer in the last poll, all issued at once (floor-raw rows). */
  readonly answerMs?: Record<string, number>;
}

export interface ServeRow {
  readonly runtime: RuntimeKind;
  readonly containers: number;
  readonly pods: number;
  /** Resident memory after the first poll and one request to each endpoint. */
  readonly rssWarmBytes: number;
  /** After the load cells, and the peak seen by the kernel. */
  readonly rssAfterLoadBytes?: number;
  readonly rssPeakBytes: number;
  /** V8 heap after warm-up, from the agent's own nodejs_* metrics. */
  readonly heapUsedBytes?: number;
  readonly heapTotalBytes?: number;
  readonly externalBytes?: number;
  readonly cells: readonly CellResult[];
  /**
   * The same /metrics cells against a bare node:http server sending the
   * bytes the agent sent (bench/children/http-floor.ts): the floor under
   * the agent's latency, in the same run.
   */
  readonly floorCells?: readonly CellResult[];
  /**
   * Agent CPU over a window at the default interval, for the real runtime
   * (named when nothing scraped it then; results since this round have
   * Prometheus's scrapes every 30 s in the window).
   */
  readonly idle?: { readonly seconds: number; readonly cpuMs: number; readonly millicores: number };
}

/** A process watching the same containerd over the same window: the agent, and cAdvisor beside it. */
export interface PeerRow {
  readonly name: string;
  readonly containers: number;
  readonly pods: number;
  /** After its first answer and the settling time. */
  readonly rssWarmBytes: number;
  readonly rssPeakBytes: number;
  readonly idle: { readonly seconds: number; readonly cpuMs: number; readonly millicores: number };
  /** containerd, its shims and the containers over the same window: the load it puts on the runtime, and the runtime's own. */
  readonly runtimeMillicores: number;
  /** One /metrics answer, uncompressed, and its samples. */
  readonly metricsBytes: number;
  readonly metricsSamples: number;
}

/** Why cAdvisor did not run beside the agent. */
export interface PeerSkipped {
  readonly name: string;
  readonly reason: string;
}

export interface SoakRow {
  readonly containers: number;
  readonly cyclesAsked: number;
  readonly cycles: number;
  readonly seconds: number;
  readonly churnPodsPerCycle: number;
  /** The agent's --poll-interval during the soak. */
  readonly intervalMs: number;
  readonly warmCycle: number;
  readonly rssWarmBytes: number;
  readonly rssEndBytes: number;
  readonly rssMaxBytes: number;
  readonly growthPercent: number;
  /** The agent process's CPU over the soak, per poll (scrapes included). */
  readonly cpuMsPerPoll: number;
  /** V8's heap (used, total) and external memory, as the agent reports them in its own nodejs_* metrics. */
  readonly heap?: { readonly usedFirst: number; readonly usedLast: number; readonly totalLast: number; readonly externalFirst: number; readonly externalLast: number };
  readonly samples: readonly SoakSample[];
}

export interface SoakSample {
  readonly cycle: number;
  readonly rssBytes: number;
  readonly seconds: number;
  readonly heapUsedBytes?: number;
  readonly heapTotalBytes?: number;
  readonly externalBytes?: number;
}
