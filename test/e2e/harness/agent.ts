// Runs the real agent as a child process (the CLI, as an operator would) on a
// free loopback port, and reads its HTTP interface.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));
const NODE_ARGS = ['--import', 'tsx', MAIN];

export interface Agent {
  readonly url: string;
  readonly pid: number;
  /** Everything the agent wrote to stdout and stderr so far. */
  output(): string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  json<T = unknown>(path: string): Promise<T>;
  metrics(path?: string): Promise<string>;
  stop(): Promise<void>;
}

/** A container as /api/v1/containers answers it: the fields the e2e suites read, typed by hand so they check the wire, not src/. */
export interface ApiContainer {
  id: string; name: string; attempt: number; state: string; logPath: string; logFormat: string;
  pod: { name: string; namespace: string; uid: string; sandboxId: string; runtimeHandler: string };
  writableLayer: { mergedDir: string; upperDir: string; source: string; complete: boolean };
  runtime: { name: string };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `cri-exporter serve` with `args` and waits until /healthz answers. */
export async function startAgent(args: readonly string[], env: Record<string, string> = {}): Promise<Agent> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...NODE_ARGS, 'serve', '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const agent: Agent = {
    url,
    pid: child.pid as number,
    output: () => out,
    get: (path, headers = {}) => fetch(url + path, { headers }),
    json: async <T>(path: string) => {
      const res = await fetch(url + path);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    metrics: async (path = '/metrics') => (await fetch(url + path)).text(),
    stop: () => stopChild(child),
  };
  await waitUntil(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true, 30_000,
    () => `agent did not answer /healthz within 30 s; exit code ${child.exitCode}; output:\n${out}`);
  return agent;
}

/** Runs a one-shot CLI command and returns its stdout, stderr and exit code. */
export async function runCli(args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [...NODE_ARGS, ...args], { timeout: 60_000 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : -1 };
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(describe());
}

/** Parses `name{labels} value` lines of a text exposition (enough for assertions). */
export function parseSamples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const brace = line.indexOf('{');
    const end = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    if (brace >= 0 && brace < name.length + 1) {
      for (const m of line.slice(brace + 1, end).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[m[1] as string] = (m[2] as string).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    out.push({ labels, value: Number(line.slice((end >= 0 ? end : name.length) + 1).trim()) });
  }
  return out;
}
