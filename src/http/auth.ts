// Access control for every route but the probes, as the kubelet does it: a
// bearer token, authenticated and then authorized against this Node object.
// /metrics* needs `get nodes/metrics`; everything else (the host paths of
// logs and writable layers under /api/v1) needs `get nodes/log`, a separate
// and stronger grant. Unknown paths get the stronger check, so nothing new
// is ever served on the weaker one by accident.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export interface NodeAccess {
  readonly verb: string;
  readonly subresource: string;
  readonly name: string;
}

export interface AuthDecision {
  readonly status: 200 | 401 | 403 | 503;
  readonly reason: string;
  readonly user?: string;
}

/** What buildServer needs; src/kube's KubeAuthorizer is one. */
export interface RequestAuthorizer {
  check(token: string, access: NodeAccess): Promise<AuthDecision>;
}

export interface AuthOptions {
  readonly authorizer: RequestAuthorizer;
  readonly nodeName: string;
}

/** Served to anyone: the kubelet probes them without credentials. */
export const UNAUTHENTICATED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The SubjectAccessReview attributes for a request path (GET → verb get, like the kubelet). */
export function accessFor(path: string, nodeName: string): NodeAccess {
  const metrics = path === '/metrics' || path.startsWith('/metrics/');
  return { verb: 'get', subresource: metrics ? 'metrics' : 'log', name: nodeName };
}

/** `Authorization: Bearer <token>` → the token; anything else → undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer +([^\s]+) *$/i.exec(header ?? '');
  return m?.[1];
}

const MESSAGES = { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' } as const;

function refuse(reply: FastifyReply, status: 401 | 403 | 503, message: string): FastifyReply {
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="cri-exporter"');
  if (status === 503) void reply.header('retry-after', '5');
  return reply.code(status).type('application/json; charset=utf-8').send({ error: MESSAGES[status], message });
}

export const authPlugin: FastifyPluginAsync<AuthOptions> = async (app, { authorizer, nodeName }) => {
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(req.url);
    if (UNAUTHENTICATED_PATHS.has(path)) return;
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) return refuse(reply, 401, 'a bearer token is required');
    const access = accessFor(path, nodeName);
    const decision = await authorizer.check(token, access);
    if (decision.status === 200) return;
    // The reason names the user and the missing permission, never the token.
    req.log.warn({ path, user: decision.user, status: decision.status, reason: decision.reason }, 'request refused');
    const message = decision.status === 503 ? 'cannot verify credentials right now' : decision.reason;
    return refuse(reply, decision.status, message);
  });
};
// Hooks apply to every route of the app, not only inside this plugin's scope.
(authPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
