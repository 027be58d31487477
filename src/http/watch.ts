// /api/v1/watch: container events as Server-Sent Events, for shippers that
// must react before their next discovery refresh.
//
// A client without Last-Event-ID first gets one `added` per current
// container; only the last of them carries an ID, so a connection that breaks
// half-way through resumes from scratch rather than from a position it never
// fully received. A client with a Last-Event-ID gets the events it missed,
// or, when they are no longer buffered, a `resync` (forget what you know)
// followed by the current containers as for a new client. Treat `added` and
// `modified` alike as upserts.
import type { FastifyPluginAsync } from 'fastify';
import type { Container } from '../poller/snapshot.js';
import type { Resume, WatchEvent, WatchHub } from '../watch/hub.js';
import { SseStream, type SseEvent } from './sse.js';
import { containerView } from './views.js';

interface Opts {
  readonly hub: WatchHub;
  readonly heartbeatMs?: number;
  readonly maxBufferedBytes?: number;
}

const querySchema = {
  type: 'object',
  additionalProperties: false,
  // For EventSource polyfills that cannot set the Last-Event-ID header.
  properties: { lastEventId: { type: 'string', maxLength: 128 } },
} as const;

export const watchRoutes: FastifyPluginAsync<Opts> = async (app, opts) => {
  const open = new Set<SseStream>();
  // Without this, close() would wait forever for streams that never end.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.close();
  });
  // Events are serialised once, however many clients receive them.
  const rendered = new WeakMap<WatchEvent, SseEvent>();
  const render = (e: WatchEvent): SseEvent => {
    let out = rendered.get(e);
    if (out === undefined) {
      out = { id: e.id, event: e.type, data: JSON.stringify(containerView(e.container)) };
      rendered.set(e, out);
    }
    return out;
  };

  app.get<{ Querystring: { lastEventId?: string } }>('/watch', { schema: { querystring: querySchema } }, (req, reply) => {
    const header = req.headers['last-event-id'];
    const lastEventId = (Array.isArray(header) ? header[0] : header) ?? req.query.lastEventId;
    reply.hijack();
    const stream = new SseStream(reply.raw, { heartbeatMs: opts.heartbeatMs ?? 15_000, maxBufferedBytes: opts.maxBufferedBytes ?? 4 << 20 });
    // resume() and subscribe() in the same tick: no event can fall between them.
    const resume = opts.hub.resume(lastEventId);
    const unsubscribe = opts.hub.subscribe((e) => stream.send(render(e)));
    open.add(stream);
    stream.onClose(() => {
      unsubscribe();
      open.delete(stream);
    });
    for (const e of startingEvents(resume, render)) stream.send(e);
  });
};

function startingEvents(resume: Resume, render: (e: WatchEvent) => SseEvent): SseEvent[] {
  if (resume.kind === 'replay') return resume.events.map(render);
  const current = currentState(resume.containers, resume.headId);
  if (resume.kind === 'fresh') return current;
  return [{ event: 'resync', data: JSON.stringify({ reason: resume.reason }) }, ...current];
}

function currentState(containers: readonly Container[], headId: string): SseEvent[] {
  return containers.map((c, i) => ({
    event: 'added',
    data: JSON.stringify(containerView(c)),
    ...(i === containers.length - 1 ? { id: headId } : {}),
  }));
}
