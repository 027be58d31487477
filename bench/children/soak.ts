// Child process: the agent (lib/agent-core.ts) polled in a tight loop while
// the simulated runtime churns pods between polls, sampling this process's
// resident memory. The poller's clock advances 10 s per poll, as at the
// default interval, so --removed-grace (5m) keeps as many departed containers
// as it would on a node; a scrape of /metrics (gzip) and /api/v1/containers
// every `scrapeEvery` polls renders snapshots as Prometheus would.
import { buildAgentCore } from '../lib/agent-core.js';
import { ask, childOptions, finish } from '../lib/ipc.js';

interface Options {
  readonly endpoint: string;
  readonly cycles: number;
  /** Stop early after this long, whatever the cycle count. */
  readonly budgetMs: number;
  readonly churnPods: number;
  readonly sampleEvery: number;
  readonly scrapeEvery: number;
}

const opts = childOptions<Options>();
const POLL_SECONDS = 10;
const start = Date.now() / 1000;
let cycle = 0;
const agent = buildAgentCore(opts.endpoint, { now: () => start + cycle * POLL_SECONDS });

async function scrape(): Promise<void> {
  const metrics = await agent.app.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
  const list = await agent.app.inject({ url: '/api/v1/containers' });
  if (metrics.statusCode !== 200 || list.statusCode !== 200) throw new Error(`scrape failed: ${metrics.statusCode} ${list.statusCode}`);
}

const samples: { cycle: number; rssBytes: number; heapUsedBytes: number; containers: number }[] = [];
const failures: string[] = [];
const t0 = Date.now();
for (; cycle < opts.cycles && Date.now() - t0 < opts.budgetMs; cycle++) {
  const s = await agent.poller.pollOnce();
  if (!s.ok && failures.length < 5) failures.push(JSON.stringify(s.errors));
  if (cycle % opts.scrapeEvery === 0) await scrape();
  if (cycle % opts.sampleEvery === 0) {
    const m = process.memoryUsage();
    samples.push({ cycle, rssBytes: m.rss, heapUsedBytes: m.heapUsed, containers: s.containers.length });
  }
  await ask({ type: 'churn', pods: opts.churnPods });
}
const m = process.memoryUsage();
samples.push({ cycle, rssBytes: m.rss, heapUsedBytes: m.heapUsed, containers: agent.poller.snapshot.containers.length });
finish({ cycles: cycle, seconds: (Date.now() - t0) / 1000, samples, failures, departed: agent.poller.snapshot.departed.length });
await agent.close();
