// Part 5b: the agent's resident memory over many poll cycles with churn. The
// compiled CLI runs as the image runs it, polling every `intervalMs` (faster
// than the default 10 s, so that thousands of polls fit in a run) with
// --removed-grace scaled to hold as many departed containers as 5 minutes
// do at 10 s. Between polls the simulated runtime replaces pods, and every
// few seconds /metrics (gzip) and /api/v1/containers are fetched as a
// scraper and a log shipper would. RSS and CPU come from /proc; the number
// of polls from the agent's own cri_exporter_poll_duration_seconds_count.
import { startAgentProcess, type AgentProcess } from '../lib/agent-process.js';
import type { BenchContext, SoakRow, SoakSample } from '../lib/context.js';
import { cpuMs, MiB, rssBytes } from '../lib/procstat.js';
import { max, median } from '../lib/stats.js';
import { startSimChild } from './sim.js';

export interface SoakPlan {
  readonly containers: number;
  readonly cycles: number;
  readonly budgetSeconds: number;
  readonly churnPods: number;
  readonly intervalMs: number;
}

const SAMPLE_EVERY_MS = 5000;
const DEFAULT_GRACE_POLLS = 30; // 5m at the default 10 s interval
const WARM_FRACTION = 0.1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** As Prometheus asks (fetch undoes the gzip): asking another format too would make the agent render both after each poll. */
const SCRAPE_HEADERS = { 'accept-encoding': 'gzip', accept: 'application/openmetrics-text;version=1.0.0' };

interface Scraped {
  readonly polls: number;
  readonly heapUsedBytes?: number;
  readonly heapTotalBytes?: number;
  readonly externalBytes?: number;
}

/** A sample's value in the exposition, unlabelled. */
function sampleOf(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{\\})? ([0-9.e+]+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The scrape itself: the agent's poll count is in it, and its heap as prom-client reads it. */
async function scrapeMetrics(agent: AgentProcess): Promise<Scraped> {
  const res = await agent.get('/metrics', SCRAPE_HEADERS);
  const text = await res.text();
  const polls = sampleOf(text, 'cri_exporter_poll_duration_seconds_count');
  if (!res.ok || polls === undefined) throw new Error(`soak: no poll count in /metrics (HTTP ${res.status})`);
  return {
    polls,
    heapUsedBytes: sampleOf(text, 'nodejs_heap_size_used_bytes'),
    heapTotalBytes: sampleOf(text, 'nodejs_heap_size_total_bytes'),
    externalBytes: sampleOf(text, 'nodejs_external_memory_bytes'),
  };
}

async function fetchContainers(agent: AgentProcess): Promise<void> {
  const list = await agent.get('/api/v1/containers');
  await list.arrayBuffer();
  if (!list.ok) throw new Error(`soak: /api/v1/containers failed: HTTP ${list.status}`);
}

export async function runSoak(ctx: BenchContext, plan: SoakPlan): Promise<SoakRow> {
  ctx.log(`soak: ${plan.cycles} polls at ${plan.containers} containers every ${plan.intervalMs} ms, ${plan.churnPods} pod(s) replaced per poll, at most ${plan.budgetSeconds} s`);
  const sim = await startSimChild(ctx, plan.containers);
  const grace = `${(plan.intervalMs * DEFAULT_GRACE_POLLS) / 1000}s`;
  const agent = await startAgentProcess(ctx.build.cli, `unix://${sim.socketPath}`, ['--poll-interval', `${plan.intervalMs}ms`, '--removed-grace', grace], 300_000);
  try {
    const churn = setInterval(() => void sim.child.ask({ type: 'churn', pods: plan.churnPods }), plan.intervalMs);
    const samples: SoakSample[] = [];
    const t0 = Date.now();
    const cpu0 = cpuMs(agent.pid);
    let cycles = 0;
    try {
      while (cycles < plan.cycles && Date.now() - t0 < plan.budgetSeconds * 1000) {
        await sleep(SAMPLE_EVERY_MS);
        await fetchContainers(agent);
        const scraped = await scrapeMetrics(agent);
        cycles = scraped.polls;
        samples.push({
          cycle: cycles, rssBytes: rssBytes(agent.pid), seconds: (Date.now() - t0) / 1000,
          heapUsedBytes: scraped.heapUsedBytes, heapTotalBytes: scraped.heapTotalBytes, externalBytes: scraped.externalBytes,
        });
      }
    } finally {
      clearInterval(churn);
    }
    const seconds = (Date.now() - t0) / 1000;
    const cpu = cpuMs(agent.pid) - cpu0;
    // RSS swings with each collection, so the level at either end is the
    // median of a quarter of the warm samples, not one sample.
    const warmed = samples.filter((s) => s.seconds >= seconds * WARM_FRACTION);
    if (warmed.length < 4) throw new Error(`soak: ${warmed.length} samples after warm-up; run it longer (--soak-seconds)`);
    const quarter = Math.max(1, Math.floor(warmed.length / 4));
    const first = warmed.slice(0, quarter);
    const last = warmed.slice(-quarter);
    const rssWarmBytes = median(first.map((s) => s.rssBytes));
    const rssEndBytes = median(last.map((s) => s.rssBytes));
    const row: SoakRow = {
      containers: sim.containers, cyclesAsked: plan.cycles, cycles, seconds, churnPodsPerCycle: plan.churnPods, intervalMs: plan.intervalMs,
      warmCycle: (warmed[0] as SoakRow['samples'][number]).cycle, rssWarmBytes, rssEndBytes,
      rssMaxBytes: max(warmed.map((s) => s.rssBytes)),
      growthPercent: ((rssEndBytes - rssWarmBytes) / rssWarmBytes) * 100, cpuMsPerPoll: cpu / Math.max(1, cycles),
      heap: heapLevels(first, last), samples,
    };
    ctx.log(`  ${row.cycles} polls in ${row.seconds.toFixed(0)} s; RSS ${(row.rssWarmBytes / MiB).toFixed(1)} → ${(row.rssEndBytes / MiB).toFixed(1)} MiB (${row.growthPercent.toFixed(1)} %), max ${(row.rssMaxBytes / MiB).toFixed(1)} MiB`);
    return row;
  } finally {
    await agent.stop();
    await sim.child.stop();
  }
}

/** Medians of the heap figures over the first and the last quarter, when the agent reported them. */
function heapLevels(first: readonly SoakSample[], last: readonly SoakSample[]): SoakRow['heap'] {
  const level = (xs: readonly SoakSample[], pick: (s: SoakSample) => number | undefined): number | undefined => {
    const values = xs.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : median(values);
  };
  const usedFirst = level(first, (s) => s.heapUsedBytes);
  const usedLast = level(last, (s) => s.heapUsedBytes);
  const totalLast = level(last, (s) => s.heapTotalBytes);
  const externalFirst = level(first, (s) => s.externalBytes);
  const externalLast = level(last, (s) => s.externalBytes);
  if (usedFirst === undefined || usedLast === undefined || totalLast === undefined || externalFirst === undefined || externalLast === undefined) return undefined;
  return { usedFirst, usedLast, totalLast, externalFirst, externalLast };
}
