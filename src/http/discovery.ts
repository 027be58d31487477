// /api/v1/discovery/logs: every container log file as Prometheus HTTP
// service discovery, for Prometheus http_sd_configs and Grafana Alloy
// discovery.http. Served from the latest snapshot plus, when needed, a
// per-snapshot read of the log directories; never from the runtime.
import { posix } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { candidates, directoriesToRead, logTargetGroups } from '../discovery/targets.js';
import type { LogDirectories } from '../discovery/log-dirs.js';
import type { Snapshot } from '../poller/snapshot.js';
import { sendWithEtag } from './etag.js';
import { containerFilter, QueryError, withContainerFilters, type ContainerQuery } from './filters.js';
import { errorSchema } from './views.js';

interface Opts {
  readonly snapshot: () => Snapshot;
  readonly directories: LogDirectories;
}

interface DiscoveryQuery extends ContainerQuery {
  readonly rotated?: 'true' | 'false';
  readonly pathPrefix?: string;
}

const querySchema = withContainerFilters({
  rotated: { type: 'string', enum: ['true', 'false'] },
  pathPrefix: { type: 'string', maxLength: 1024, pattern: '^/' },
});

// Prometheus's http_sd (and Alloy's discovery.http, the same code) refuses
// any other media type; it accepts exactly a `charset=utf-8` parameter, which
// fastify adds to string bodies.
const CONTENT_TYPE = 'application/json; charset=utf-8';

/** `/host/` → `/host`; `/` → nothing to add. A prefix may not climb out with `..`. */
export function normalizePathPrefix(raw: string | undefined): string {
  if (raw === undefined) return '';
  if (raw.split('/').includes('..')) throw new QueryError('pathPrefix', `"${raw}" must not contain ".." segments`);
  if (raw.includes('\0')) throw new QueryError('pathPrefix', 'must not contain NUL');
  const clean = posix.normalize(raw).replace(/\/+$/, '');
  return clean === '/' ? '' : clean;
}

export const discoveryRoutes: FastifyPluginAsync<Opts> = async (app, { snapshot, directories }) => {
  app.get<{ Querystring: DiscoveryQuery }>('/discovery/logs', {
    schema: { querystring: querySchema, response: { 400: errorSchema } },
  }, async (req, reply) => {
    const keep = containerFilter(req.query);
    const pathPrefix = normalizePathPrefix(req.query.pathPrefix);
    const rotated = req.query.rotated === 'true';
    const snap = snapshot();
    const list = candidates(snap).filter((c) => keep(c.container));
    const listings = await directories.listings(snap.seq, directoriesToRead(list, rotated));
    const groups = logTargetGroups(list, {
      nodeName: snap.runtime.nodeName, rotated, pathPrefix, listing: (dir) => listings.get(dir),
    });
    return sendWithEtag(req, reply, JSON.stringify(groups), CONTENT_TYPE);
  });
};
