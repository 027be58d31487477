// `cri-exporter serve`: poll the runtime and serve metrics and the API until
// SIGTERM, then close in reverse order of start.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Config } from '../config.js';
import { releaseAnswerPieces } from '../cri/answer-release.js';
import { parseEndpoint, type Endpoint } from '../cri/endpoint.js';
import { LOG_REDACTIONS, setupAccess } from './access.js';
import { resolveEndpoint } from './connect.js';
import { StartupError } from './errors.js';
import { wireAgent } from './wire.js';

type Closer = () => Promise<void> | void;

export async function serve(config: Config): Promise<{ close: () => Promise<void>; server: FastifyInstance }> {
  const logger = pino({ level: config.logLevel, base: { node: config.nodeName }, redact: { paths: LOG_REDACTIONS, censor: '[redacted]' } });
  const closers: Closer[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
  };
  // Once per process, before the first answer arrives: a process-wide change
  // to grpc-js's decoder, so that answers are not kept for full collections.
  const answersReleased = releaseAnswerPieces();
  try {
    const access = await setupAccess(config, logger, closers);
    const endpoint = await endpointFor(config, closers);
    // The demo's simulated containers have no cgroups on this host.
    const agent = wireAgent({ config, endpoint, logger, access, hostStats: !config.demo });
    closers.push(() => agent.close());
    const { server, poller } = agent;
    await listen(server, config);
    access.afterListen(server);
    poller.start();
    logger.info({ endpoint: endpoint.display, listen: `${config.listen.host}:${config.listen.port}`, pollInterval: config.pollIntervalMs }, 'cri-exporter started');
    // Only a grpc-js of another shape makes it fail, and then memory is higher, nothing else.
    if (!answersReleased) {
      logger.warn('this grpc-js version\'s message decoder is not the one cri-exporter was built against: runtime answers are freed by full garbage collections only, so memory use will be higher (see src/cri/answer-release.ts)');
    }
    return { close, server };
  } catch (err) {
    await close();
    throw err;
  }
}

async function endpointFor(config: Config, closers: Closer[]): Promise<Endpoint> {
  if (!config.demo) return resolveEndpoint(config);
  // Loaded only for --demo: an agent on a node never runs the simulator, and its code would be memory held for nothing.
  const { startDemo } = await import('../sim/demo.js');
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
