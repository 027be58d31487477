// Shared by the fault-injection suite: a simulated runtime and the agent
// (serve, wired as main.ts wires it) in this process, and exposition parsing.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { serve } from '../../src/cli/serve.js';
import { loadConfig } from '../../src/config.js';
import { startSimRuntime, type SimRuntime } from '../../src/sim/server.js';
import { World } from '../../src/sim/world.js';
import { waitUntil } from '../e2e/harness/agent.js';
import { createRandom } from '../../src/sim/world.js';

export interface InProcessAgent {
  readonly server: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

export async function simRuntime(pods = 3): Promise<SimRuntime> {
  return startSimRuntime({ profile: 'containerd', world: new World({ pods, seed: 7 }) });
}

export async function agentOn(endpoint: string, extra: readonly string[] = []): Promise<InProcessAgent> {
  const config = loadConfig(['--runtime-endpoint', endpoint, '--listen', '127.0.0.1:0', '--poll-interval', '200ms',
    '--cri-timeout', '500ms', '--log-level', 'silent', ...extra], {});
  const { server, close } = await serve(config);
  const port = (server.server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}`, close };
}

export async function text(agent: InProcessAgent, path = '/metrics'): Promise<string> {
  return (await agent.server.inject({ method: 'GET', url: path })).body;
}

export async function lastPollOk(agent: InProcessAgent): Promise<boolean> {
  return ((await agent.server.inject({ method: 'GET', url: '/api/v1/runtime' })).json() as { lastPoll: { ok: boolean } }).lastPoll.ok;
}

export async function firstPoll(agent: InProcessAgent): Promise<void> {
  await waitUntil(() => lastPollOk(agent), 10_000, () => 'no successful poll');
}

/** Every sample line of an exposition: name, raw labels and value. */
export function samples(exposition: string): { name: string; labels: string; value: number; line: string }[] {
  const out = [];
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/s.exec(line);
    if (!m) throw new Error(`unparseable sample line: ${line.slice(0, 200)}`);
    out.push({ name: m[1] as string, labels: m[2] ?? '', value: Number(m[3]), line });
  }
  return out;
}

/** Sum of a counter's samples whose label text matches. */
export function total(exposition: string, name: string, labels: RegExp = /.*/): number {
  return samples(exposition).filter((s) => s.name === name && labels.test(s.labels)).reduce((n, s) => n + s.value, 0);
}

/** The simulated runtime's seeded PRNG: the fuzz loops are the same on every run. */
export const seeded = createRandom;
