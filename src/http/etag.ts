// Conditional GET for JSON bodies rendered from a snapshot: clients that
// poll (log shippers, dashboards) get a 304 instead of the same bytes again.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * RFC 9110 If-None-Match: `*`, or a comma-separated list compared weakly
 * (a `W/` prefix does not prevent a match).
 */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/**
 * Sends `body` with its ETag, or 304 without a body when the client already has it.
 * A caller that keeps a body across requests passes its ETag too, so it is hashed once.
 */
export function sendWithEtag(req: FastifyRequest, reply: FastifyReply, body: string | Buffer, contentType: string, etag = etagOf(body)): FastifyReply {
  void reply.header('etag', etag).header('cache-control', 'no-cache').type(contentType);
  if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.send(body);
}
