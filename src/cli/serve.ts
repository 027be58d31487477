// `cri-exporter serve`: poll the runtime and serve metrics and the API until
// SIGTERM, then close in reverse order of start.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Config } from '../config.js';
import { parseEndpoint, type Endpoint } from '../cri/endpoint.js';
import { buildServer } from '../http/server.js';
import { ExpositionCache } from '../metrics/render.js';
import { SelfMetrics } from '../metrics/self.js';
import { cgroupStep } from '../poller/cgroup-step.js';
import { assessHealth } from '../poller/health.js';
import { Poller } from '../poller/poller.js';
import { startDemo } from '../sim/demo.js';
import { WatchHub } from '../watch/hub.js';
import { productVersion } from '../version.js';
import { LOG_REDACTIONS, setupAccess } from './access.js';
import { makeAdapterFactory, makeClient, resolveEndpoint } from './connect.js';
import { StartupError } from './errors.js';

type Closer = () => Promise<void> | void;

export async function serve(config: Config): Promise<{ close: () => Promise<void>; server: FastifyInstance }> {
  const logger = pino({ level: config.logLevel, base: { node: config.nodeName }, redact: { paths: LOG_REDACTIONS, censor: '[redacted]' } });
  const closers: Closer[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const access = await setupAccess(config, logger, closers);
    const endpoint = await endpointFor(config, closers);
    const self = new SelfMetrics(productVersion());
    const client = makeClient(config, endpoint, self.observeCall);
    closers.push(() => {
      client.close();
      logger.info({ endpoint: endpoint.display }, 'CRI connection closed');
    });
    const watch = new WatchHub();
    const exposition = new ExpositionCache();
    const poller = new Poller({
      source: client,
      intervalMs: config.pollIntervalMs,
      removedGraceMs: config.removedGraceMs,
      adapterFor: makeAdapterFactory(config, endpoint),
      nodeName: config.nodeName,
      endpoint: endpoint.display,
      logger,
      nodeRuntimeVersion: access.nodeRuntimeVersion,
      onInvalid: self.observeInvalid,
      // The demo's simulated containers have no cgroups on this host.
      hostStats: config.demo ? undefined : cgroupStep({ cgroupRoot: config.hostCgroupRoot, hostProc: config.hostProc, logger }),
      publish: (s, seconds) => {
        self.observePoll(s.ok, seconds, s.errors.map((e) => e.part), s.takenAt);
        watch.publish(s);
        void exposition.warm(s);
      },
    });
    const server = buildServer({
      snapshot: () => poller.snapshot,
      exposition,
      self,
      health: () => assessHealth({ snapshot: poller.snapshot, lastTurnAt: poller.lastTurnAt, delayMs: poller.currentDelayMs }, config.pollIntervalMs, config.criTimeoutMs, Date.now() / 1000),
      logger,
      watch,
      auth: access.auth,
      https: access.https,
      maxConcurrentRequests: config.maxConcurrentRequests,
      headerTimeoutMs: config.httpHeaderTimeoutMs,
    });
    closers.push(() => server.close());
    await listen(server, config);
    access.afterListen(server);
    closers.push(() => poller.stop());
    poller.start();
    logger.info({ endpoint: endpoint.display, listen: `${config.listen.host}:${config.listen.port}`, pollInterval: config.pollIntervalMs }, 'cri-exporter started');
    return { close, server };
  } catch (err) {
    await close();
    throw err;
  }
}

async function endpointFor(config: Config, closers: Closer[]): Promise<Endpoint> {
  if (!config.demo) return resolveEndpoint(config);
  const sim = await startDemo({ pods: config.demoPods });
  closers.push(() => sim.stop());
  return parseEndpoint(sim.endpoint);
}

async function listen(server: FastifyInstance, config: Config): Promise<void> {
  try {
    await server.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${config.listen.host}:${config.listen.port}`;
    if (code === 'EADDRINUSE') throw new StartupError(`--listen: ${where} is already in use; stop the other process or choose another port with --listen`);
    if (code === 'EACCES') throw new StartupError(`--listen: not allowed to listen on ${where}; use a port above 1023 or run with the needed privilege`);
    if (code === 'EADDRNOTAVAIL') throw new StartupError(`--listen: ${config.listen.host} is not an address of this machine`);
    throw err;
  }
}
