// buildServer(deps): the whole HTTP surface, built without listening, so
// tests drive it with inject(). Every route reads the latest snapshot; none
// can make the agent call the runtime.
import Fastify, { LogController, type FastifyInstance, type FastifyError } from 'fastify';
import type { Snapshot } from '../poller/snapshot.js';
import type { ExpositionCache } from '../metrics/render.js';
import type { SelfMetrics } from '../metrics/self.js';
import { LogDirectories, type ReadDir } from '../discovery/log-dirs.js';
import type { WatchHub } from '../watch/hub.js';
import { apiRoutes } from './api.js';
import { authPlugin, type AuthOptions } from './auth.js';
import { drainOnClose } from './drain.js';
import { concurrencyLimit } from './limits.js';
import type { TlsMaterial } from './tls.js';
import { discoveryRoutes } from './discovery.js';
import { healthRoutes, type Health } from './health.js';
import { metricsRoutes } from './metrics.js';
import { QueryError } from './filters.js';
import { watchRoutes } from './watch.js';

export interface ServerDeps {
  readonly snapshot: () => Snapshot;
  readonly exposition: ExpositionCache;
  readonly self: SelfMetrics;
  readonly health: () => Health;
  /** A pino logger, or false for none. */
  readonly logger?: object | false;
  /** Container events for /api/v1/watch, fed by the poller; without it the route is absent. */
  readonly watch?: WatchHub;
  /** How often an idle watch stream gets a heartbeat comment; default 15 s. */
  readonly watchHeartbeatMs?: number;
  /** How discovery lists a log directory; default fs.readdir (tests count calls). */
  readonly readDir?: ReadDir;
  /** Bearer-token access control for every route but the probes; without it, none. */
  readonly auth?: AuthOptions;
  /** Serve HTTPS with this certificate and key (reloadable later with setSecureContext). */
  readonly https?: TlsMaterial;
  /** Requests served at once (503 beyond; the probes are exempt); default unlimited. */
  readonly maxConcurrentRequests?: number;
  /** How long a client may take to send its headers; default 10 s. */
  readonly headerTimeoutMs?: number;
}

/** Headers beyond this are refused with 431: no legitimate client of ours sends more. */
export const MAX_HEADER_BYTES = 16 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

/** Node's own limits on a connection: slow or oversized headers are cut off before any route runs. */
function nodeServerOptions(deps: ServerDeps) {
  const headersTimeout = Math.min(deps.headerTimeoutMs ?? 10_000, REQUEST_TIMEOUT_MS);
  return {
    maxHeaderSize: MAX_HEADER_BYTES,
    headersTimeout,
    // Node checks the timeouts on this interval (30 s by default, which would
    // stretch a short one); at the timeout itself a slow client is cut off
    // within twice it. No shorter: each check wakes an idle agent, and on a
    // VM a wake-up costs milliseconds of CPU.
    connectionsCheckingInterval: Math.max(100, headersTimeout),
  };
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger ? (deps.logger as never) : undefined,
    // Scrapes every few seconds would drown the log; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // A request logs at most one line (a refusal, an error), which names
    // what it was about; fastify's default would make a child logger per
    // request to bind a request ID, and with the redaction paths set, pino
    // serializes that binding through its redactor: ~20-35 µs of a scrape's
    // ~110 µs of main-thread CPU at 1000 containers under 10 clients.
    childLoggerFactory: (logger) => logger,
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: nodeServerOptions(deps),
    ...(deps.https ? { https: { ...nodeServerOptions(deps), ...deps.https } } : {}),
    connectionTimeout: 60_000,
    routerOptions: { maxParamLength: 256 },
    // Ajv's default would coerce and strip; we want unknown parameters rejected with their name.
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
  });
  drainOnClose(app.server);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not found', message: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });
  // Shedding comes first, so a refused request costs no review call.
  if (deps.maxConcurrentRequests !== undefined) void app.register(concurrencyLimit, { maxConcurrentRequests: deps.maxConcurrentRequests });
  if (deps.auth) void app.register(authPlugin, deps.auth);
  void app.register(metricsRoutes, { snapshot: deps.snapshot, exposition: deps.exposition, self: deps.self });
  void app.register(healthRoutes, { health: deps.health });
  void app.register(apiRoutes, { snapshot: deps.snapshot, prefix: '/api/v1' });
  void app.register(discoveryRoutes, { snapshot: deps.snapshot, directories: new LogDirectories(deps.readDir), prefix: '/api/v1' });
  if (deps.watch) void app.register(watchRoutes, { hub: deps.watch, heartbeatMs: deps.watchHeartbeatMs, prefix: '/api/v1' });
  return app;
}

function errorHandler(err: FastifyError, _req: unknown, reply: { code(n: number): { send(b: unknown): void } }): void {
  if (err instanceof QueryError) {
    reply.code(400).send({ error: 'invalid query parameter', parameter: err.parameter, message: `${err.parameter}: ${err.message}` });
    return;
  }
  if (err.validation) {
    const v = err.validation[0];
    const params = (v?.params ?? {}) as Record<string, unknown>;
    const parameter = String(params.additionalProperty ?? params.missingProperty ?? (v?.instancePath ?? '').replace(/^\//, '') ?? '');
    const message = params.additionalProperty !== undefined ? `unknown parameter "${parameter}"` : `${parameter} ${v?.message ?? 'is invalid'}`;
    reply.code(400).send({ error: 'invalid query parameter', parameter, message });
    return;
  }
  const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
  reply.code(status).send({ error: status >= 500 ? 'internal error' : 'bad request', message: err.message });
}
