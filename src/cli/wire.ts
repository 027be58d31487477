// The agent's parts and how they are joined, apart from listening and
// starting: serve and the bench both build the agent here, so what the bench
// measures is what serve runs (a poll updates self metrics, feeds the watch
// hub and warms the exposition cache in both).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { CallObserver, CriClient } from '../cri/client.js';
import type { Endpoint } from '../cri/endpoint.js';
import { buildServer } from '../http/server.js';
import { ExpositionCache } from '../metrics/render.js';
import { SelfMetrics } from '../metrics/self.js';
import { cgroupStep } from '../poller/cgroup-step.js';
import { assessHealth } from '../poller/health.js';
import { Poller } from '../poller/poller.js';
import { WatchHub } from '../watch/hub.js';
import { productVersion } from '../version.js';
import type { Access } from './access.js';
import { makeAdapterFactory, makeClient } from './connect.js';

export interface WireOptions {
  readonly config: Config;
  readonly endpoint: Endpoint;
  readonly logger: Logger;
  /** From setupAccess; without it the server has no access control or TLS and the poller no Node cross-check. */
  readonly access?: Pick<Access, 'auth' | 'https' | 'nodeRuntimeVersion'>;
  /** Told about every CRI call after the self metrics are (the bench counts calls per method). */
  readonly observeCall?: CallObserver;
  /** Read host cgroups after each poll (serve: outside --demo; the bench: as asked). */
  readonly hostStats: boolean;
}

export interface Agent {
  readonly client: CriClient;
  readonly self: SelfMetrics;
  readonly watch: WatchHub;
  readonly exposition: ExpositionCache;
  readonly poller: Poller;
  /** Built, not listening. */
  readonly server: FastifyInstance;
  /** Stops the poller, closes the server, then the CRI connection: the reverse of start. */
  close(): Promise<void>;
}

export function wireAgent(opts: WireOptions): Agent {
  const { config, endpoint, logger } = opts;
  const self = new SelfMetrics(productVersion());
  const extra = opts.observeCall;
  const client = makeClient(config, endpoint, extra
    ? (method, code, seconds) => {
      self.observeCall(method, code, seconds);
      extra(method, code, seconds);
    }
    : self.observeCall);
  const closeClient = (): void => {
    client.close();
    logger.info({ endpoint: endpoint.display }, 'CRI connection closed');
  };
  try {
    return { client, self, ...wireRest(opts, client, self, closeClient) };
  } catch (err) {
    // Nothing else is running yet; the connection is the one thing to undo.
    closeClient();
    throw err;
  }
}

/**
 * When the poll after this one is expected to publish, in milliseconds: the
 * delay before it starts, plus twice this poll's duration (at least 250 ms)
 * for it to run. A scrape expected before then reads this snapshot.
 */
function nextSnapshotAt(delayMs: number, pollSeconds: number): number {
  return Date.now() + delayMs + Math.max(2000 * pollSeconds, 250);
}

function wireRest(opts: WireOptions, client: CriClient, self: SelfMetrics, closeClient: () => void) {
  const { config, endpoint, logger, access } = opts;
  const watch = new WatchHub();
  const exposition = new ExpositionCache();
  let endBusy: () => void = () => undefined;
  const poller = new Poller({
    source: client,
    intervalMs: config.pollIntervalMs,
    removedGraceMs: config.removedGraceMs,
    adapterFor: makeAdapterFactory(config, endpoint),
    nodeName: config.nodeName,
    endpoint: endpoint.display,
    logger,
    nodeRuntimeVersion: access?.nodeRuntimeVersion,
    onInvalid: self.observeInvalid,
    hostStats: opts.hostStats ? cgroupStep({ cgroupRoot: config.hostCgroupRoot, hostProc: config.hostProc, logger }) : undefined,
    // Busy from a poll's start until its exposition is rendered: when the event-loop lag is sampled.
    onPollStart: () => {
      endBusy();
      endBusy = self.busy();
    },
    publish: (s, seconds) => {
      self.observePoll(s.ok, seconds, s.errors.map((e) => e.part), s.takenAt);
      watch.publish(s);
      const end = endBusy;
      void exposition.warm(s, nextSnapshotAt(poller.currentDelayMs, seconds)).finally(end);
    },
  });
  const server = buildServer({
    snapshot: () => poller.snapshot,
    exposition,
    self,
    health: () => assessHealth({ snapshot: poller.snapshot, lastTurnAt: poller.lastTurnAt, delayMs: poller.currentDelayMs }, config.pollIntervalMs, config.criTimeoutMs, Date.now() / 1000),
    logger,
    watch,
    auth: access?.auth,
    https: access?.https,
    maxConcurrentRequests: config.maxConcurrentRequests,
    headerTimeoutMs: config.httpHeaderTimeoutMs,
  });
  const close = async (): Promise<void> => {
    await poller.stop();
    await server.close();
    closeClient();
  };
  return { watch, exposition, poller, server, close };
}
