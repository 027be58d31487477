// buildServer(deps): the whole HTTP surface, built without listening, so
// tests drive it with inject(). Every route reads the latest snapshot; none
// can make the agent call the runtime.
import Fastify, { LogController, type FastifyInstance, type FastifyError } from 'fastify';
import type { Snapshot } from '../poller/snapshot.js';
import type { ExpositionCache } from '../metrics/render.js';
import type { SelfMetrics } from '../metrics/self.js';
import { apiRoutes } from './api.js';
import { healthRoutes, type Health } from './health.js';
import { metricsRoutes } from './metrics.js';
import { QueryError } from './filters.js';

export interface ServerDeps {
  readonly snapshot: () => Snapshot;
  readonly exposition: ExpositionCache;
  readonly self: SelfMetrics;
  readonly health: () => Health;
  /** A pino logger, or false for none. */
  readonly logger?: object | false;
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger ? (deps.logger as never) : undefined,
    // Scrapes every few seconds would drown the log; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    routerOptions: { maxParamLength: 256 },
    // Ajv's default would coerce and strip; we want unknown parameters rejected with their name.
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not found', message: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });
  void app.register(metricsRoutes, { snapshot: deps.snapshot, exposition: deps.exposition, self: deps.self });
  void app.register(healthRoutes, { health: deps.health });
  void app.register(apiRoutes, { snapshot: deps.snapshot, prefix: '/api/v1' });
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
