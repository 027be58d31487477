// A cap on requests in progress: beyond it the agent answers 503 at once
// instead of queueing, so a burst of scrapers (or a slow-reading client
// holding many streams) cannot grow memory or latency without bound. The
// probes are exempt: shedding them would get a busy agent restarted.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { pathOf, UNAUTHENTICATED_PATHS } from './auth.js';

export interface LimitOptions {
  readonly maxConcurrentRequests: number;
}

export const concurrencyLimit: FastifyPluginAsync<LimitOptions> = async (app, { maxConcurrentRequests }) => {
  let inFlight = 0;
  const release = (): void => {
    inFlight--;
  };
  // A callback hook, not an async one: every scrape passes here, and a
  // promise per request is garbage the agent need not make.
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (UNAUTHENTICATED_PATHS.has(pathOf(req.url))) return done();
    if (inFlight >= maxConcurrentRequests) {
      void reply.code(503).header('retry-after', '1').type('application/json; charset=utf-8')
        .send({ error: 'Service Unavailable', message: `more than ${maxConcurrentRequests} requests in progress; retry later` });
      return undefined;
    }
    inFlight++;
    // 'close' fires once whether the response finished or the client went away.
    reply.raw.once('close', release);
    return done();
  });
};
(concurrencyLimit as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
