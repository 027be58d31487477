// Liveness and readiness, as the kubelet probes them.
import type { FastifyPluginAsync } from 'fastify';
import type { Health } from '../poller/health.js';

export type { Health };

export const healthRoutes: FastifyPluginAsync<{ health: () => Health }> = async (app, { health }) => {
  app.get('/healthz', async (_req, reply) => {
    const h = health();
    return reply.code(h.alive ? 200 : 503).type('text/plain; charset=utf-8').send(h.alive ? 'ok\n' : `poll loop stalled: ${h.reason}\n`);
  });
  app.get('/readyz', async (_req, reply) => {
    const h = health();
    return reply.code(h.ready ? 200 : 503).type('text/plain; charset=utf-8').send(h.ready ? 'ok\n' : `not ready: ${h.reason}\n`);
  });
};
