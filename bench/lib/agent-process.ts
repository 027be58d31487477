// The agent as an operator runs it: `node <the image's flags> dist/…/main.js
// serve`, the compiled CLI, in its own process on a free loopback port. Its CPU and
// memory are read from /proc by PID. (cadvisor.ts starts cAdvisor the same way.)
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { stopProcess, track } from './children.js';
import { imageEnv, imageNodeFlags } from './image-flags.js';

export interface AgentProcess {
  readonly pid: number;
  readonly url: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no free port'))));
    });
  });
}

/** Starts the agent against `endpoint` and waits until /readyz says a poll succeeded. */
export async function startAgentProcess(cli: string, endpoint: string, args: readonly string[], readyTimeoutMs: number): Promise<AgentProcess> {
  const port = await freePort();
  return startHttpProcess('agent', process.execPath,
    [...imageNodeFlags(), cli, 'serve', '--runtime-endpoint', endpoint, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', ...args],
    { ...process.env, ...imageEnv() }, port, async (url) => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true, readyTimeoutMs);
}

/**
 * Starts a process that serves HTTP on 127.0.0.1:`port`, tracked by PID, and
 * waits until `ready` says so; stops it and says why when it exits or the
 * time runs out first.
 */
export async function startHttpProcess(
  what: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, port: number,
  ready: (url: string) => Promise<boolean>, readyTimeoutMs: number,
): Promise<AgentProcess> {
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  if (proc.pid === undefined) throw new Error(`cannot start the ${what}`);
  track(proc);
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-20_000); };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const started: AgentProcess = {
    pid: proc.pid,
    url,
    get: (path, headers = {}) => fetch(url + path, { headers }),
    stop: () => stopProcess(proc),
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (await ready(url)) return started;
    if (proc.exitCode !== null || Date.now() > deadline) {
      await started.stop();
      throw new Error(`${what} not ready within ${readyTimeoutMs} ms (exit ${proc.exitCode}):\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
