// The agent as an operator runs it: `node <the image's flags> dist/…/main.js
// serve`, the compiled CLI, in its own process on a free loopback port. Its CPU and
// memory are read from /proc by PID.
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
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, [...imageNodeFlags(), cli, 'serve', '--runtime-endpoint', endpoint, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...imageEnv() },
  });
  if (proc.pid === undefined) throw new Error('cannot start the agent');
  track(proc);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const agent: AgentProcess = {
    pid: proc.pid,
    url,
    get: (path, headers = {}) => fetch(url + path, { headers }),
    stop: () => stopProcess(proc),
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.ok) return agent;
    if (proc.exitCode !== null || Date.now() > deadline) {
      await agent.stop();
      throw new Error(`agent not ready within ${readyTimeoutMs} ms (exit ${proc.exitCode}):\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
