// A private, throw-away Prometheus server for end-to-end tests.
//
// Every instance gets its own temp dir (config, TSDB, log), its own loopback
// port and its own console paths, so a system-wide Prometheus (for example
// the one Debian's package starts under systemd on :9090 with
// /etc/prometheus and /var/lib/prometheus) is never read, written or queried.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const PROMETHEUS_BIN = '/usr/bin/prometheus';
const LOOPBACK = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const HTTP_TIMEOUT_MS = 5_000;
// The free-port probe races with other processes; retry a few times if
// Prometheus loses that race instead of failing the whole suite.
const MAX_START_ATTEMPTS = 3;

export interface StartPrometheusOptions {
  /** Prometheus scrape_config objects, written verbatim into the config. */
  scrapeConfigs: object[];
  /** Global scrape (and rule evaluation) interval; defaults to '1s'. */
  scrapeInterval?: string;
}

export interface Sample {
  metric: Record<string, string>;
  /** [unix time in seconds, value as Prometheus formats it] */
  value: [number, string];
}

export type TargetState = 'any' | 'active' | 'dropped';

export interface ActiveTarget {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval: string;
  scrapeTimeout: string;
}

export interface DroppedTarget {
  discoveredLabels: Record<string, string>;
}

export interface Targets {
  activeTargets: ActiveTarget[];
  droppedTargets: DroppedTarget[];
}

export interface Prometheus {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** PID of the server process, so tests can check it is really gone. */
  pid: number;
  /** Combined stdout/stderr of the server; removed by stop(). */
  logPath: string;
  query(expr: string): Promise<Sample[]>;
  targets(state?: TargetState): Promise<Targets>;
  waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T>;
  /** SIGTERM, SIGKILL after 5 s, then delete the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a private Prometheus and resolves once /-/ready answers. Note that
 * the first scrape still takes up to ~5 s after that: Prometheus hands
 * discovered targets to its scrape loops on a fixed 5 s tick, so give the
 * first waitFor on scraped data a generous timeout (10-20 s).
 */
export async function startPrometheus(opts: StartPrometheusOptions): Promise<Prometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'cri-exporter-prometheus-'));
  try {
    const configPath = join(dir, 'prometheus.json');
    await writeFile(configPath, renderConfig(opts));
    return await startWithRetries(dir, configPath);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Polls fn until it returns something other than undefined. Errors thrown by
 * fn count as "not yet" (the server may still be starting up) and are kept so
 * the timeout message can say what went wrong last.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt finished';
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
      last = 'last value: undefined';
    } catch (err) {
      last = `last error: ${errorMessage(err)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
    }
    await sleep(intervalMs);
  }
}

function renderConfig(opts: StartPrometheusOptions): string {
  const interval = opts.scrapeInterval ?? '1s';
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: opts.scrapeConfigs,
  };
  // JSON is a subset of YAML, which is what Prometheus parses.
  return JSON.stringify(config, null, 2);
}

async function startWithRetries(dir: string, configPath: string): Promise<Prometheus> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const logPath = join(dir, `prometheus-${attempt}.log`);
    const spawned = spawnPrometheus(dir, configPath, port, logPath);
    const url = `http://${LOOPBACK}:${port}`;
    try {
      await waitUntilReady(spawned, url, logPath);
      return makeHandle(spawned.child, url, dir, logPath);
    } catch (err) {
      await terminate(spawned.child);
      const log = await readLogTail(logPath);
      if (attempt < MAX_START_ATTEMPTS && log.includes('address already in use')) continue;
      throw err;
    }
  }
}

/** Binds 127.0.0.1:0, notes the port the kernel picked and releases it. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err) => reject(new Error(`probing for a free loopback port: ${err.message}`)));
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error(`unexpected probe address ${String(address)}`));
      });
    });
  });
}

interface Spawned {
  child: ChildProcess;
  /** Set if the binary could not be started at all (ENOENT, EACCES, ...). */
  spawnError?: Error;
}

function spawnPrometheus(dir: string, configPath: string, port: number, logPath: string): Spawned {
  const args = [
    `--config.file=${configPath}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${LOOPBACK}:${port}`,
    '--web.enable-lifecycle',
    // Debian defaults these to /etc/prometheus/...; keep even reads private.
    `--web.console.templates=${join(dir, 'consoles')}`,
    `--web.console.libraries=${join(dir, 'console_libraries')}`,
  ];
  const logFd = openSync(logPath, 'a');
  try {
    // cwd = temp dir so any relative default path also lands in our sandbox.
    const child = spawn(PROMETHEUS_BIN, args, { cwd: dir, stdio: ['ignore', logFd, logFd] });
    const spawned: Spawned = { child };
    // Recording the error also keeps an unhandled 'error' event from
    // crashing the test process.
    child.on('error', (err) => (spawned.spawnError ??= err));
    return spawned;
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(logFd);
  }
}

/**
 * Polls /-/ready. Not built on waitFor because a dead process must end the
 * wait at once rather than being retried until the timeout.
 */
async function waitUntilReady(spawned: Spawned, url: string, logPath: string): Promise<void> {
  const { child } = spawned;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no response yet';
  const fail = async (why: string): Promise<never> => {
    throw new Error(`prometheus at ${url}: ${why}\n--- tail of ${logPath} ---\n${await readLogTail(logPath)}`);
  };
  for (;;) {
    if (spawned.spawnError !== undefined) return fail(`cannot run ${PROMETHEUS_BIN}: ${spawned.spawnError.message}`);
    if (hasExited(child)) {
      return fail(`exited before becoming ready (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = errorMessage(err);
    }
    if (Date.now() >= deadline) return fail(`not ready after ${READY_TIMEOUT_MS} ms (last: ${last})`);
    await sleep(200);
  }
}

function makeHandle(child: ChildProcess, url: string, dir: string, logPath: string): Prometheus {
  const pid = child.pid;
  if (pid === undefined) throw new Error('prometheus started without a PID');
  // If the test process dies without calling stop(), do not leave an orphan
  // server behind. 'exit' handlers must be synchronous, hence SIGKILL.
  const killOnExit = (): void => {
    if (!hasExited(child)) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  return {
    url,
    pid,
    logPath,
    query: (expr) => query(url, expr),
    targets: (state = 'any') => targets(url, state),
    waitFor,
    stop() {
      stopped ??= (async () => {
        process.off('exit', killOnExit);
        await terminate(child);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** SIGTERM, then SIGKILL if the process is still there after the grace period. */
async function terminate(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || hasExited(child)) return;
  // Waiting for 'exit' also means Node has reaped it, so the PID is free.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal(pid, 'SIGTERM');
  // Cancel the grace timer once the child is gone, or it alone would keep
  // the test process alive for another STOP_GRACE_MS.
  const grace = new AbortController();
  const timedOut = sleep(STOP_GRACE_MS, false, { signal: grace.signal }).catch(() => false);
  const graceful = await Promise.race([exited.then(() => true), timedOut]);
  grace.abort();
  if (!graceful) {
    signal(pid, 'SIGKILL');
    await exited;
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** process.kill, tolerating the race where the child died but is not yet reaped. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw new Error(`sending ${sig} to prometheus (pid ${pid}): ${errorMessage(err)}`);
    }
  }
}

async function query(url: string, expr: string): Promise<Sample[]> {
  const data = await apiGet<{ resultType: string; result: unknown }>(
    url,
    `/api/v1/query?query=${encodeURIComponent(expr)}`,
    `query ${JSON.stringify(expr)}`,
  );
  switch (data.resultType) {
    case 'vector':
      return data.result as Sample[];
    case 'scalar':
    case 'string':
      // Present scalars as a single unlabelled sample so callers get one shape.
      return [{ metric: {}, value: data.result as [number, string] }];
    default:
      throw new Error(`query ${JSON.stringify(expr)} returned a ${data.resultType}; only instant vectors and scalars are supported`);
  }
}

function targets(url: string, state: TargetState): Promise<Targets> {
  return apiGet<Targets>(url, `/api/v1/targets?state=${state}`, `targets (state=${state})`);
}

/** GETs a Prometheus API endpoint and unwraps its {status, data} envelope. */
async function apiGet<T>(url: string, path: string, what: string): Promise<T> {
  let res: Response;
  let body: string;
  try {
    res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    body = await res.text();
  } catch (err) {
    throw new Error(`prometheus ${what}: request to ${url}${path} failed: ${errorMessage(err)}`);
  }
  let parsed: { status?: string; data?: T; error?: string } | undefined;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // fall through: reported below with the raw body
  }
  if (!res.ok || parsed?.status !== 'success' || parsed.data === undefined) {
    throw new Error(`prometheus ${what}: HTTP ${res.status}: ${body.slice(0, 2000)}`);
  }
  return parsed.data;
}

async function readLogTail(logPath: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(logPath, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(log unreadable: ${errorMessage(err)})`;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
