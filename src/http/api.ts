// /api/v1: the runtime, and every container with its log path and writable
// layer. Served from the latest snapshot only.
import type { FastifyPluginAsync } from 'fastify';
import type { Container, Snapshot } from '../poller/snapshot.js';
import { etagOf, sendWithEtag } from './etag.js';
import { containerFilter, containerQuerySchema, type ContainerQuery } from './filters.js';
import { containerSchema, containerView, errorSchema, runtimeSchema, runtimeView } from './views.js';

const JSON_TYPE = 'application/json; charset=utf-8';

interface Opts {
  readonly snapshot: () => Snapshot;
}

/** Full ID, or a prefix that names exactly one container (CRI tools print 12-character IDs). */
export function findContainer(containers: readonly Container[], idOrPrefix: string): { found?: Container; ambiguous?: Container[] } {
  const exact = containers.filter((c) => c.id === idOrPrefix);
  if (exact.length === 1) return { found: exact[0] };
  const byPrefix = containers.filter((c) => c.id.startsWith(idOrPrefix));
  if (byPrefix.length === 1) return { found: byPrefix[0] };
  return byPrefix.length > 1 ? { ambiguous: byPrefix } : {};
}

interface Serialised {
  /** Bytes, encoded once: a string of a megabyte would be encoded again for every request. */
  readonly body: Buffer;
  readonly etag: string;
}

/**
 * The unfiltered container list, serialised and hashed once per snapshot:
 * clients that poll the whole list between two polls cost a lookup, not a
 * JSON.stringify and a SHA-1 of every container. Keyed by the snapshot object
 * itself, which is immutable, so a new snapshot can never be served stale.
 */
function unfilteredList(): (s: Snapshot) => Serialised {
  let source: Snapshot | undefined;
  let cached: Serialised | undefined;
  return (s) => {
    if (s !== source || cached === undefined) {
      const body = Buffer.from(JSON.stringify(s.containers.map(containerView)));
      cached = { body, etag: etagOf(body) };
      source = s;
    }
    return cached;
  };
}

function isUnfiltered(q: ContainerQuery): boolean {
  return Object.values(q).every((v) => v === undefined);
}

export const apiRoutes: FastifyPluginAsync<Opts> = async (app, { snapshot }) => {
  const unfiltered = unfilteredList();
  app.get('/runtime', { schema: { response: { 200: runtimeSchema } } }, async () => runtimeView(snapshot()));

  app.get<{ Querystring: ContainerQuery }>('/containers', {
    schema: { querystring: containerQuerySchema, response: { 400: errorSchema } },
  }, async (req, reply) => {
    if (isUnfiltered(req.query)) {
      const { body, etag } = unfiltered(snapshot());
      return sendWithEtag(req, reply, body, JSON_TYPE, etag);
    }
    const keep = containerFilter(req.query);
    const body = JSON.stringify(snapshot().containers.filter(keep).map(containerView));
    return sendWithEtag(req, reply, body, JSON_TYPE);
  });

  app.get<{ Params: { id: string } }>('/containers/:id', {
    schema: {
      params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-zA-Z_.-]{1,128}$' } } },
      response: { 200: containerSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req, reply) => {
    const { found, ambiguous } = findContainer(snapshot().containers, req.params.id);
    if (found) return containerView(found);
    if (ambiguous) {
      return reply.code(409).send({ error: 'ambiguous container ID', parameter: 'id', message: `"${req.params.id}" matches ${ambiguous.length} containers; give more characters` });
    }
    return reply.code(404).send({ error: 'container not found', parameter: 'id', message: `no container with ID or prefix "${req.params.id}"` });
  });
};
