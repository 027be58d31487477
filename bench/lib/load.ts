// One load cell: `connections` keep-alive clients hammer one URL for a bounded
// time (autocannon, loopback only). Latencies are kept exactly, from
// autocannon's per-response event (its own histogram rounds to whole ms),
// and the server's CPU is read from /proc around the cell.
import autocannon from 'autocannon';
import { cpuMs, waitIdle } from './procstat.js';
import { percentile } from './stats.js';

export interface CellResult {
  readonly path: string;
  readonly connections: number;
  readonly seconds: number;
  readonly ok: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly requestsPerSecond: number;
  readonly bytesPerResponse: number;
  /** Server CPU per request, counting the requests still in flight when the cell ended (one per connection). */
  readonly cpuMsPerRequest: number;
}

export interface Cell {
  readonly baseUrl: string;
  readonly path: string;
  readonly connections: number;
  readonly seconds: number;
  readonly headers?: Record<string, string>;
  /** PID of the server, for its CPU time. */
  readonly serverPid: number;
}

export async function runCell(cell: Cell): Promise<CellResult> {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(cell.baseUrl)) {
    throw new Error(`load is for loopback only, not ${cell.baseUrl}`);
  }
  await waitIdle(cell.serverPid);
  const latencies: number[] = [];
  let failed = 0;
  let bytes = 0;
  const cpu0 = cpuMs(cell.serverPid);
  const run = autocannon({
    url: cell.baseUrl + cell.path,
    connections: cell.connections,
    duration: cell.seconds,
    headers: cell.headers,
    timeout: 60,
  });
  run.on('response', (_client, status, resBytes, ms) => {
    if (status === 200) {
      latencies.push(ms);
      bytes += resBytes;
    } else {
      failed++;
    }
  });
  const result = await run;
  await waitIdle(cell.serverPid);
  const cpu = cpuMs(cell.serverPid) - cpu0;
  return {
    path: cell.path,
    connections: cell.connections,
    seconds: cell.seconds,
    ok: latencies.length,
    failed: failed + result.errors + result.timeouts,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? Math.max(...latencies) : Number.NaN,
    requestsPerSecond: latencies.length / cell.seconds,
    bytesPerResponse: latencies.length ? bytes / latencies.length : 0,
    cpuMsPerRequest: cpu / (latencies.length + cell.connections),
  };
}
