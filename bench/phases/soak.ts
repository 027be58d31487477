// Part 5b: the agent's resident memory over many poll cycles with churn.
import { startChild } from '../lib/children.js';
import { imageNodeFlags } from '../lib/image-flags.js';
import type { BenchContext, SoakRow } from '../lib/context.js';
import { MiB } from '../lib/procstat.js';
import { max } from '../lib/stats.js';
import { startSimChild } from './sim.js';

export interface SoakPlan {
  readonly containers: number;
  readonly cycles: number;
  readonly budgetSeconds: number;
  readonly churnPods: number;
}

const SAMPLE_EVERY = 50;
const WARM_CYCLE = 200;

export async function runSoak(ctx: BenchContext, plan: SoakPlan): Promise<SoakRow> {
  ctx.log(`soak: ${plan.cycles} polls at ${plan.containers} containers, ${plan.churnPods} pod(s) replaced per poll, at most ${plan.budgetSeconds} s`);
  const sim = await startSimChild(ctx, plan.containers);
  try {
    const child = startChild(ctx.build.child('soak'), {
      endpoint: `unix://${sim.socketPath}`, cycles: plan.cycles, budgetMs: plan.budgetSeconds * 1000,
      churnPods: plan.churnPods, sampleEvery: SAMPLE_EVERY, scrapeEvery: 10,
    }, imageNodeFlags());
    child.onAsk(async (m) => {
      await sim.child.ask({ type: 'churn', pods: m.pods });
      return {};
    });
    const r = (await child.result) as unknown as { cycles: number; seconds: number; samples: SoakRow['samples']; failures: string[] };
    await child.stop();
    const warmCycle = Math.min(WARM_CYCLE, Math.floor(r.cycles / 10));
    const warm = r.samples.find((s) => s.cycle >= warmCycle) ?? r.samples[0];
    const end = r.samples[r.samples.length - 1];
    if (!warm || !end) throw new Error('soak produced no samples');
    const row: SoakRow = {
      containers: sim.containers, cyclesAsked: plan.cycles, cycles: r.cycles, seconds: r.seconds, churnPodsPerCycle: plan.churnPods,
      warmCycle: warm.cycle, rssWarmBytes: warm.rssBytes, rssEndBytes: end.rssBytes,
      rssMaxBytes: max(r.samples.filter((s) => s.cycle >= warm.cycle).map((s) => s.rssBytes)),
      growthPercent: ((end.rssBytes - warm.rssBytes) / warm.rssBytes) * 100, samples: r.samples, failures: r.failures,
    };
    ctx.log(`  ${row.cycles} polls in ${row.seconds.toFixed(0)} s; RSS ${(row.rssWarmBytes / MiB).toFixed(1)} → ${(row.rssEndBytes / MiB).toFixed(1)} MiB (${row.growthPercent.toFixed(1)} %), max ${(row.rssMaxBytes / MiB).toFixed(1)} MiB`);
    return row;
  } finally {
    await sim.child.stop();
  }
}
