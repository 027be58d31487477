// Part 4–5a: the compiled agent CLI serving a node of a given size: its
// resident memory after warm-up, and /metrics and /api/v1/containers under
// 1, 10 and 50 concurrent clients. It polls once at start and then not again
// within the cells (--poll-interval 1h), so the cells measure serving alone;
// the cost a poll adds to a scrape that arrives during it is the poll's
// event-loop block, reported with the poll cycle.
import { startAgentProcess, type AgentProcess } from '../lib/agent-process.js';
import type { BenchContext, ServeRow } from '../lib/context.js';
import { runCell, type CellResult } from '../lib/load.js';
import { peakRssBytes, rssBytes, waitIdle } from '../lib/procstat.js';
import type { PollSubject } from './polls.js';

/** What Prometheus (2.x) sends when it scrapes. */
export const PROMETHEUS_HEADERS = {
  accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
  'accept-encoding': 'gzip',
};

const ENDPOINTS: readonly { path: string; headers?: Record<string, string> }[] = [
  { path: '/metrics', headers: PROMETHEUS_HEADERS },
  { path: '/api/v1/containers' },
];

export const CONCURRENCY = [1, 10, 50] as const;

function gauge(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** One request to each endpoint (the first renders the snapshot), then memory once the agent is idle. */
export async function warmUp(agent: AgentProcess): Promise<Pick<ServeRow, 'rssWarmBytes' | 'heapUsedBytes' | 'heapTotalBytes' | 'externalBytes'>> {
  for (const e of ENDPOINTS) {
    const res = await agent.get(e.path, e.headers);
    if (!res.ok) throw new Error(`GET ${e.path}: ${res.status}`);
    await res.arrayBuffer();
  }
  await waitIdle(agent.pid);
  const rssWarmBytes = rssBytes(agent.pid);
  // Asked as Prometheus asks (fetch undoes the gzip): a plain-text scrape would
  // have the agent render that format too after every poll from then on.
  const text = await (await agent.get('/metrics', PROMETHEUS_HEADERS)).text();
  return {
    rssWarmBytes,
    heapUsedBytes: gauge(text, 'nodejs_heap_size_used_bytes'),
    heapTotalBytes: gauge(text, 'nodejs_heap_size_total_bytes'),
    externalBytes: gauge(text, 'nodejs_external_memory_bytes'),
  };
}

export async function measureServing(ctx: BenchContext, subject: PollSubject, cells = true): Promise<ServeRow> {
  const agent = await startAgentProcess(ctx.build.cli, `unix://${subject.socketPath}`, ['--poll-interval', '1h'], 300_000);
  try {
    const warm = await warmUp(agent);
    const results: CellResult[] = [];
    for (const e of cells ? ENDPOINTS : []) {
      for (const connections of CONCURRENCY) {
        const cell = await runCell({ baseUrl: agent.url, path: e.path, headers: e.headers, connections, seconds: ctx.cellSeconds, serverPid: agent.pid });
        results.push(cell);
        ctx.log(`  ${e.path.padEnd(19)} c=${String(connections).padEnd(2)} p50 ${cell.p50Ms.toFixed(1)} ms  p99 ${cell.p99Ms.toFixed(1)} ms  ${cell.requestsPerSecond.toFixed(0)} req/s  cpu/req ${cell.cpuMsPerRequest.toFixed(2)} ms`);
      }
    }
    ctx.log(`  agent RSS after warm-up ${(warm.rssWarmBytes / 2 ** 20).toFixed(1)} MiB, heap used ${((warm.heapUsedBytes ?? 0) / 2 ** 20).toFixed(1)} MiB`);
    return {
      runtime: subject.runtime, containers: subject.containers, pods: subject.pods, ...warm,
      rssAfterLoadBytes: cells ? rssBytes(agent.pid) : undefined, rssPeakBytes: peakRssBytes(agent.pid), cells: results,
    };
  } finally {
    await agent.stop();
  }
}
