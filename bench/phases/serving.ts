// Part 4–5a: the compiled agent CLI serving a node of a given size: its
// resident memory after warm-up, and /metrics and /api/v1/containers under
// 1, 10 and 50 concurrent clients. It polls once at start and then not again
// within the cells (--poll-interval 1h), so the cells measure serving alone;
// the cost a poll adds to a scrape that arrives during it is the poll's
// event-loop block, reported with the poll cycle.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from '../../test/fixtures/agent-process.js';
import { startAgentProcess, type AgentProcess } from '../lib/agent-process.js';
import { startChild } from '../lib/children.js';
import type { BenchContext, ServeRow } from '../lib/context.js';
import { imageEnv, imageNodeFlags } from '../lib/image-flags.js';
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

/** Headers that belong to one connection or moment, not to the response the floor repeats. */
const PER_CONNECTION = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function logCell(ctx: BenchContext, who: string, cell: CellResult): void {
  ctx.log(`  ${who.padEnd(6)} ${cell.path.padEnd(19)} c=${String(cell.connections).padEnd(2)} p50 ${cell.p50Ms.toFixed(1)} ms  p99 ${cell.p99Ms.toFixed(1)} ms  ${cell.requestsPerSecond.toFixed(0)} req/s  cpu/req ${cell.cpuMsPerRequest.toFixed(2)} ms`);
}

/**
 * The /metrics cells again, against a bare node:http server (with the
 * image's node flags and allocator) that answers every request with the
 * bytes and headers of one scrape of the agent: how much of the latency is
 * node and the kernel sending a megabyte to each of ten clients on this
 * machine, and how much is the agent.
 */
async function measureFloor(ctx: BenchContext, agent: AgentProcess): Promise<CellResult[]> {
  // The fixtures' get keeps the body as it came (fetch would undo the gzip).
  const scrape = await get(`${agent.url}/metrics`, { headers: PROMETHEUS_HEADERS, timeoutMs: 30_000 });
  if (scrape.status !== 200) throw new Error(`GET /metrics for the HTTP floor: ${scrape.status}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(scrape.headers)) if (v !== undefined && !PER_CONNECTION.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const dir = await mkdtemp(join(tmpdir(), 'cri-bench-floor-'));
  try {
    const bodyFile = join(dir, 'metrics.body');
    await writeFile(bodyFile, scrape.bytes);
    const floor = startChild(ctx.build.child('http-floor'), { bodyFile, headers }, imageNodeFlags(), imageEnv());
    try {
      const { port } = await floor.next('ready', 30_000);
      const cells: CellResult[] = [];
      for (const connections of CONCURRENCY) {
        const cell = await runCell({ baseUrl: `http://127.0.0.1:${Number(port)}`, path: '/metrics', headers: PROMETHEUS_HEADERS, connections, seconds: ctx.cellSeconds, serverPid: floor.pid });
        cells.push(cell);
        logCell(ctx, 'floor', cell);
      }
      return cells;
    } finally {
      await floor.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
        logCell(ctx, 'agent', cell);
      }
    }
    const rssAfterLoadBytes = cells ? rssBytes(agent.pid) : undefined;
    const floorCells = cells ? await measureFloor(ctx, agent) : undefined;
    ctx.log(`  agent RSS after warm-up ${(warm.rssWarmBytes / 2 ** 20).toFixed(1)} MiB, heap used ${((warm.heapUsedBytes ?? 0) / 2 ** 20).toFixed(1)} MiB`);
    return {
      runtime: subject.runtime, containers: subject.containers, pods: subject.pods, ...warm,
      rssAfterLoadBytes, rssPeakBytes: peakRssBytes(agent.pid), cells: results, floorCells,
    };
  } finally {
    await agent.stop();
  }
}
