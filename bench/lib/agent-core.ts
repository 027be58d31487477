// The agent as src/cli/serve.ts wires it (CRI client, poller with its host
// stats step, watch hub, self metrics, exposition cache, HTTP app), minus the
// listening socket, so the bench can drive polls one at a time and time them.
// Keep it in step with serve.ts: what serve adds to a poll, a poll here must do.
import type { FastifyInstance } from 'fastify';
import { makeAdapterFactory, makeClient } from '../../src/cli/connect.js';
import { loadConfig } from '../../src/config.js';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import { buildServer } from '../../src/http/server.js';
import { ExpositionCache } from '../../src/metrics/render.js';
import { SelfMetrics } from '../../src/metrics/self.js';
import { cgroupStep } from '../../src/poller/cgroup-step.js';
import { Poller } from '../../src/poller/poller.js';
import { adapterFactory } from '../../src/runtimes/index.js';
import { WatchHub } from '../../src/watch/hub.js';

export interface AgentCore {
  readonly poller: Poller;
  readonly app: FastifyInstance;
  /** CRI calls by method since the last takeCalls(). */
  takeCalls(): Map<string, number>;
  close(): Promise<void>;
}

const silent = { info: () => undefined, warn: () => undefined };

export interface AgentCoreOptions {
  /** The poller's clock in Unix seconds (the soak runs a faster one). */
  readonly now?: () => number;
  /** Read host cgroups after each poll as serve does outside --demo; default true. */
  readonly hostStats?: boolean;
}

export function buildAgentCore(endpointText: string, opts: AgentCoreOptions = {}): AgentCore {
  const config = loadConfig(['serve', '--runtime-endpoint', endpointText], {});
  const endpoint = parseEndpoint(endpointText);
  const self = new SelfMetrics('bench');
  let calls = new Map<string, number>();
  const client = makeClient(config, endpoint, (method, code, seconds) => {
    calls.set(method, (calls.get(method) ?? 0) + 1);
    self.observeCall(method, code, seconds);
  });
  const watch = new WatchHub();
  const poller = new Poller({
    source: client,
    intervalMs: config.pollIntervalMs,
    removedGraceMs: config.removedGraceMs,
    adapterFor: makeAdapterFactory(config, endpoint),
    nodeName: 'bench-node',
    endpoint: endpoint.display,
    logger: silent,
    hostStats: opts.hostStats === false ? undefined : cgroupStep({ cgroupRoot: config.hostCgroupRoot, hostProc: config.hostProc, logger: silent }),
    publish: (s, seconds) => {
      self.observePoll(s.ok, seconds, s.errors.map((e) => e.part), s.takenAt);
      watch.publish(s);
    },
    now: opts.now,
  });
  const app = buildServer({
    snapshot: () => poller.snapshot,
    exposition: new ExpositionCache(),
    self,
    health: () => ({ alive: true, ready: poller.snapshot.ok, reason: '' }),
    logger: false,
    watch,
  });
  return {
    poller,
    app,
    takeCalls: () => {
      const taken = calls;
      calls = new Map();
      return taken;
    },
    close: async () => {
      await poller.stop();
      await app.close();
      client.close();
    },
  };
}
