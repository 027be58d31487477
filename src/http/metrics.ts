// /metrics (everything) and /metrics/cadvisor (the cAdvisor-compatible
// families alone), in the Prometheus text format or OpenMetrics when the
// scraper asks for it, gzipped when it accepts gzip.
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Snapshot } from '../poller/snapshot.js';
import { CONTENT_TYPES, type Format } from '../metrics/exposition.js';
import { gzipMember } from '../metrics/gzip-member.js';
import type { ExpositionCache, View } from '../metrics/render.js';
import type { SelfMetrics } from '../metrics/self.js';

interface Opts {
  readonly snapshot: () => Snapshot;
  readonly exposition: ExpositionCache;
  readonly self: SelfMetrics;
}

/** What /metrics/cadvisor ends with, having none of the agent's own families. */
const ENDINGS: Readonly<Record<Format, Buffer>> = { prometheus: Buffer.alloc(0), openmetrics: Buffer.from('# EOF\n') };

export function negotiateFormat(accept: string | undefined): Format {
  return accept !== undefined && accept.includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
}

function acceptsGzip(header: string | undefined): boolean {
  return header !== undefined && /\bgzip\b/.test(header);
}

/**
 * Writes cached buffers one after another to the response itself: a scrape
 * copies none of the megabytes and makes no stream of its own. Through a
 * Readable, each scrape made ~25 KiB of stream and pipe objects, a third of
 * which reached the old generation (V8's sampling heap profiler, 1000
 * containers under load); that was a full collection every ~1,500 scrapes,
 * its pauses in the latency's tail. Fastify is told that the reply is
 * written here (hijack); node sends the writes of one tick together (it
 * corks the socket).
 */
function sendChunks(reply: FastifyReply, chunks: readonly Buffer[]): FastifyReply {
  let length = 0;
  for (const c of chunks) length += c.length;
  reply.header('content-length', length).hijack();
  const res = reply.raw;
  res.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
  if (reply.request.method !== 'HEAD') for (const c of chunks) res.write(c);
  res.end();
  return reply;
}

export const metricsRoutes: FastifyPluginAsync<Opts> = async (app, opts) => {
  const handler = (view: View) => async (req: FastifyRequest, reply: FastifyReply) => {
    const format = negotiateFormat(req.headers.accept);
    // OpenMetrics ends with "# EOF", which prom-client writes: its text goes last.
    const own = view === 'all' ? await opts.self.text(format) : ENDINGS[format];
    // Read after that wait, so a scrape never asks for a snapshot older than the one warmed up.
    const snapshot = opts.snapshot();
    void reply.type(CONTENT_TYPES[format]).header('vary', 'Accept, Accept-Encoding');
    if (acceptsGzip(req.headers['accept-encoding'])) {
      // One gzip member: the families' deflate data is compressed once per
      // snapshot, only the agent's own small families per change to them.
      const families = opts.exposition.deflated(snapshot, view, format);
      return sendChunks(reply.header('content-encoding', 'gzip'), gzipMember(families, own));
    }
    return sendChunks(reply, [...opts.exposition.text(snapshot, view, format).parts, own]);
  };
  app.get('/metrics', handler('all'));
  app.get('/metrics/cadvisor', handler('cadvisor'));
};
