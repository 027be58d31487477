// The simulated runtime in its own process, at one node size.
import { startChild, type Child } from '../lib/children.js';
import type { BenchContext, PollRow, ServeRow } from '../lib/context.js';
import { measurePolls, type PollSubject } from './polls.js';
import { measureServing } from './serving.js';

export interface SimRuntimeChild extends PollSubject {
  readonly child: Child;
}

/** Starts the simulated containerd with `containers` containers, two per pod. */
export async function startSimChild(ctx: BenchContext, containers: number): Promise<SimRuntimeChild> {
  const child = startChild(ctx.build.child('sim'), { pods: Math.ceil(containers / 2), containersPerPod: 2, profile: 'containerd' });
  const ready = await child.next('ready', 120_000);
  return {
    child, runtime: 'sim', socketPath: String(ready.socketPath), containers: Number(ready.containers), pods: Number(ready.pods),
  };
}

export async function runSimSize(
  ctx: BenchContext, containers: number, parts: { polls: boolean; serve: boolean; cells?: boolean },
): Promise<{ polls: PollRow[]; serve?: ServeRow }> {
  ctx.log(`simulated runtime, ${containers} containers`);
  const sim = await startSimChild(ctx, containers);
  try {
    const polls = parts.polls ? await measurePolls(ctx, sim) : [];
    const serve = parts.serve ? await measureServing(ctx, sim, parts.cells ?? true) : undefined;
    return { polls, serve };
  } finally {
    await sim.child.stop();
  }
}
