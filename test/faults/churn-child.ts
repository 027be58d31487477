// Run by churn.test.ts as `node --expose-gc`: the agent and a simulated
// runtime in this process, thousands of containers created and removed, and
// a JSON report of series counts and RSS (after forced GC) on stdout.
import { World } from '../../src/sim/world.js';
import { startSimRuntime } from '../../src/sim/server.js';
import { agentOn, samples, text } from './helpers.js';

const WARMUP_ROUNDS = 16; // V8 grows its heap spaces to a steady size during the first rounds
const ROUNDS = 32;
const PODS_PER_ROUND = 50; // two containers each

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const world = new World({ pods: 10, seed: 3 });
const rt = await startSimRuntime({ profile: 'containerd', world });
const agent = await agentOn(rt.endpoint, ['--poll-interval', '100ms', '--removed-grace', '0s']);

/** Series that describe containers and pods (the agent's own counters are bounded by method and code). */
const seriesCount = async () => samples(await text(agent)).filter((s) => s.name.startsWith('container_') || (s.name.startsWith('cri_') && !s.name.startsWith('cri_exporter_'))).length;
const listed = async () => ((await agent.server.inject({ method: 'GET', url: '/api/v1/containers' })).json() as unknown[]).length;

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rss(): number {
  const values: number[] = [];
  for (let i = 0; i < 5; i++) {
    gc!();
    values.push(process.memoryUsage().rss);
  }
  return values.sort((a, b) => a - b)[2] as number;
}

await until(async () => (await listed()) === world.containers().length, 'the first poll');
const baseline = await seriesCount();
const report = { baseline, afterRemoval: [] as number[], peak: 0, created: 0, rssAfterWarmup: 0, rssEnd: 0, heapAfterWarmup: 0, heapEnd: 0 };
for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
  if (round === WARMUP_ROUNDS) {
    report.rssAfterWarmup = rss();
    report.heapAfterWarmup = process.memoryUsage().heapUsed;
  }
  // app=web: an image the runtime already has (images outlive containers, as in a real runtime).
  const pods = Array.from({ length: PODS_PER_ROUND }, (_, i) => world.addPod({ name: `churn-${round}-${i}`, namespace: 'churn', labels: { app: 'web', round: String(round) } }));
  report.created += pods.length * 2;
  await until(async () => (await listed()) === world.containers().length, `round ${round} to be listed`);
  report.peak = Math.max(report.peak, await seriesCount());
  for (const p of pods) world.removePod(p.id);
  // The first poll that no longer lists them must not show their series either.
  await until(async () => (await listed()) === world.containers().length, `round ${round} to be gone`);
  report.afterRemoval.push(await seriesCount());
}
report.rssEnd = rss();
report.heapEnd = process.memoryUsage().heapUsed;
await agent.close();
await rt.stop();
process.stdout.write(JSON.stringify(report) + '\n');
