// One load cell: `connections` keep-alive clients hammer one URL for a bounded
// time, and the server's CPU is read from /proc around the cell. The client
// is wrk (Debian package `wrk`): it reads and drops response bodies in C, so
// a 1 MiB gzip body costs the client almost nothing. autocannon, used before,
// decoded every body into a JavaScript string (~13 ms of client CPU per MiB),
// which on a 2-core machine put the client's own cost into every latency.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BENCH_DIR } from './build.js';
import { cpuMs, waitIdle } from './procstat.js';

const execFileAsync = promisify(execFile);
const REPORT_SCRIPT = join(BENCH_DIR, 'lib', 'wrk-report.lua');

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

interface WrkReport {
  readonly requests: number;
  readonly bytes: number;
  readonly durationUs: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly status: number;
  readonly timeout: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

/** The wrk version, or a clear error when it is not installed. */
export async function wrkVersion(): Promise<string> {
  try {
    // wrk prints its usage (version first) and exits 1 when given no URL.
    const out = await execFileAsync('wrk', ['--version']).catch((err: { stdout?: string; code?: unknown }) => {
      if (typeof err.stdout === 'string' && err.stdout.startsWith('wrk ')) return { stdout: err.stdout };
      throw err;
    });
    return /^wrk (\S+)/.exec(out.stdout)?.[1] ?? 'unknown';
  } catch {
    throw new Error('the HTTP cells need wrk: install it (Debian: apt-get install wrk) or leave out --parts serve');
  }
}

export async function runCell(cell: Cell): Promise<CellResult> {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(cell.baseUrl)) {
    throw new Error(`load is for loopback only, not ${cell.baseUrl}`);
  }
  await waitIdle(cell.serverPid);
  const cpu0 = cpuMs(cell.serverPid);
  const report = await runWrk(cell);
  await waitIdle(cell.serverPid);
  const cpu = cpuMs(cell.serverPid) - cpu0;
  const failed = report.status + report.connect + report.read + report.write + report.timeout;
  const ok = Math.max(0, report.requests - report.status);
  return {
    path: cell.path,
    connections: cell.connections,
    seconds: cell.seconds,
    ok,
    failed,
    p50Ms: ok ? report.p50Us / 1000 : Number.NaN,
    p99Ms: ok ? report.p99Us / 1000 : Number.NaN,
    maxMs: ok ? report.maxUs / 1000 : Number.NaN,
    requestsPerSecond: ok / (report.durationUs / 1e6),
    bytesPerResponse: report.requests ? report.bytes / report.requests : 0,
    cpuMsPerRequest: cpu / (ok + cell.connections),
  };
}

async function runWrk(cell: Cell): Promise<WrkReport> {
  const headers = Object.entries(cell.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const args = [
    '-t', String(Math.min(2, cell.connections)), '-c', String(cell.connections), '-d', `${cell.seconds}s`,
    '--timeout', '60s', '-s', REPORT_SCRIPT, ...headers, cell.baseUrl + cell.path,
  ];
  const { stderr } = await execFileAsync('wrk', args, { maxBuffer: 1 << 20 });
  const line = stderr.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`wrk gave no report for ${cell.path}: ${stderr.slice(-500)}`);
  return JSON.parse(line) as WrkReport;
}
