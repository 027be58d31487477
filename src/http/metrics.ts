// /metrics (everything) and /metrics/cadvisor (the cAdvisor-compatible
// families alone), in the Prometheus text format or OpenMetrics when the
// scraper asks for it, gzipped when it accepts gzip.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Snapshot } from '../poller/snapshot.js';
import { CONTENT_TYPES, type Format } from '../metrics/exposition.js';
import type { ExpositionCache, View } from '../metrics/render.js';
import type { SelfMetrics } from '../metrics/self.js';

const gzipAsync = promisify(gzip);

interface Opts {
  readonly snapshot: () => Snapshot;
  readonly exposition: ExpositionCache;
  readonly self: SelfMetrics;
}

export function negotiateFormat(accept: string | undefined): Format {
  return accept !== undefined && accept.includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
}

function acceptsGzip(header: string | undefined): boolean {
  return header !== undefined && /\bgzip\b/.test(header);
}

export const metricsRoutes: FastifyPluginAsync<Opts> = async (app, opts) => {
  const handler = (view: View) => async (req: FastifyRequest, reply: FastifyReply) => {
    const format = negotiateFormat(req.headers.accept);
    const snapshot = opts.snapshot();
    // OpenMetrics ends with "# EOF", which prom-client writes: its text goes last.
    const own = view === 'all' ? await opts.self.text(format) : format === 'openmetrics' ? '# EOF\n' : '';
    void reply.type(CONTENT_TYPES[format]).header('vary', 'Accept, Accept-Encoding');
    if (acceptsGzip(req.headers['accept-encoding'])) {
      // Two gzip members back to back are one valid gzip stream: the large
      // part is compressed once per snapshot, only the agent's own small
      // families per scrape.
      const [families, tail] = await Promise.all([opts.exposition.gzipped(snapshot, view, format), gzipAsync(own)]);
      return reply.header('content-encoding', 'gzip').send(Buffer.concat([families, tail]));
    }
    return reply.send(opts.exposition.get(snapshot, view, format) + own);
  };
  app.get('/metrics', handler('all'));
  app.get('/metrics/cadvisor', handler('cadvisor'));
};
