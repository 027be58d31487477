// The HTTPS client against real loopback HTTPS servers: JSON both ways,
// credentials, TLS verification, kept-alive connections, and the ways a
// call fails (Status errors, oversized answers, a server that never answers).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiEndpoint, ApiTls } from '../../src/kube/api-endpoint.js';
import { apisOver } from '../../src/kube/client.js';
import { KubeApiError } from '../../src/kube/errors.js';
import { ApiTransport } from '../../src/kube/transport.js';
import { makeCert, type TestCert } from '../fixtures/certs.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface TestServer {
  readonly url: string;
  readonly server: Server;
  connections: number;
  handler: Handler;
}

async function startServer(cert: TestCert, tls: { requestCert?: boolean; ca?: Buffer } = {}): Promise<TestServer> {
  const state: TestServer = {
    url: '', server: undefined as unknown as Server, connections: 0,
    handler: (_req, res) => void res.writeHead(404).end(),
  };
  const server = createServer({ cert: cert.cert, key: cert.key, ...tls, rejectUnauthorized: tls.requestCert === true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => state.handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('secureConnection', () => { state.connections++; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

function stopServer(s: TestServer | undefined): Promise<void> {
  if (!s) return Promise.resolve();
  s.server.closeAllConnections();
  return new Promise((resolve) => s.server.close(() => resolve()));
}

const json = (res: ServerResponse, code: number, obj: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(obj));

function endpoint(server: string, tls: Partial<ApiTls>, authorization?: string): ApiEndpoint {
  return { server, tls: { rejectUnauthorized: true, ...tls }, authorization: () => authorization };
}

describe('ApiTransport', () => {
  let dir: string;
  let cert: TestCert;
  let api: TestServer;
  const open: ApiTransport[] = [];
  const transport = (ep: ApiEndpoint, timeoutMs = 2000, maxResponseBytes?: number) => {
    const t = new ApiTransport(ep, { timeoutMs, maxResponseBytes });
    open.push(t);
    return t;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cri-kube-transport-'));
    cert = await makeCert(dir, 'apiserver');
    api = await startServer(cert);
  });
  after(async () => {
    for (const t of open) t.close();
    await stopServer(api);
    await rm(dir, { recursive: true, force: true });
  });

  it('POSTs a review as JSON with the bearer token and returns the answer', async () => {
    const seen: { method?: string; url?: string; auth?: string; type?: string; body?: unknown }[] = [];
    api.handler = (req, res, body) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(body) });
      json(res, 201, { ...JSON.parse(body), status: { authenticated: true, user: { username: 'alice' }, audiences: ['x'] } });
    };
    const apis = apisOver(transport(endpoint(api.url, { ca: cert.cert }, 'Bearer agent-token')));
    const review = await apis.createTokenReview({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'user-token' } });
    assert.equal(review.status?.user?.username, 'alice');
    assert.deepEqual(seen, [{
      method: 'POST', url: '/apis/authentication.k8s.io/v1/tokenreviews', auth: 'Bearer agent-token', type: 'application/json',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'user-token' } },
    }]);
  });

  it('GETs a Node by escaped name under the server\'s path prefix, on one kept-alive connection', async () => {
    const urls: string[] = [];
    api.handler = (req, res) => {
      urls.push(req.url ?? '');
      json(res, 200, { kind: 'Node', status: { nodeInfo: { containerRuntimeVersion: 'containerd://1.7.0' } } });
    };
    const before = api.connections;
    const apis = apisOver(transport(endpoint(`${api.url}/k8s/clusters/c-1/`, { ca: cert.cert })));
    for (let i = 0; i < 3; i++) assert.equal((await apis.readNode('node a')).status?.nodeInfo?.containerRuntimeVersion, 'containerd://1.7.0');
    assert.deepEqual(urls, Array(3).fill('/k8s/clusters/c-1/api/v1/nodes/node%20a'));
    assert.equal(api.connections - before, 1, 'one TLS connection for three calls');
  });

  it('retries once on a fresh connection when a kept-alive one turns out to be closed', async () => {
    // The server drops every connection at its second request, as an API server that closed an idle
    // connection just as the agent reused it: the request dies before any answer.
    const served = new WeakMap<object, number>();
    let dropped = 0;
    api.handler = (req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1) {
        dropped++;
        req.socket.destroy();
        return;
      }
      json(res, 200, { kind: 'Node' });
    };
    const t = transport(endpoint(api.url, { ca: cert.cert }));
    for (let i = 0; i < 3; i++) assert.deepEqual(await t.request('GET', '/api/v1/nodes/n1'), { kind: 'Node' });
    assert.equal(dropped, 2, 'the second and third calls each met a dropped connection first');
  });

  it('carries the API\'s Status message, method, path and HTTP status in the error', async () => {
    api.handler = (_req, res) => json(res, 403, {
      kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'nodes "n1" is forbidden: User "system:serviceaccount:x:y" cannot get resource "nodes"',
    });
    const apis = apisOver(transport(endpoint(api.url, { ca: cert.cert })));
    await assert.rejects(apis.readNode('n1'), (err: Error) => {
      assert.ok(err instanceof KubeApiError);
      assert.equal(err.status, 403);
      assert.equal(err.message, `Kubernetes API GET /api/v1/nodes/n1 on ${api.url} failed (HTTP 403): nodes "n1" is forbidden: User "system:serviceaccount:x:y" cannot get resource "nodes"`);
      return true;
    });
  });

  it('reports a non-Status error body by its first line, and a non-JSON success as an error', async () => {
    api.handler = (_req, res) => void res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>\n<body>...</body>');
    const t = transport(endpoint(api.url, { ca: cert.cert }));
    await assert.rejects(t.request('GET', '/api/v1/nodes/n1'), /\(HTTP 502\): <html>Bad Gateway<\/html>$/);
    api.handler = (_req, res) => void res.writeHead(200).end('not json');
    await assert.rejects(t.request('GET', '/api/v1/nodes/n1'), /\(HTTP 200\): response is not JSON/);
  });

  it('refuses an answer larger than the bound, declared or streamed', async () => {
    const big = JSON.stringify({ kind: 'Node', pad: 'x'.repeat(64 * 1024) });
    api.handler = (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(big);
    const t = transport(endpoint(api.url, { ca: cert.cert }), 2000, 16 * 1024);
    await assert.rejects(t.request('GET', '/api/v1/nodes/big'), /GET \/api\/v1\/nodes\/big .*: response larger than 16384 bytes/);
    api.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(big.slice(0, 20_000));
      res.end(big.slice(20_000));
    };
    await assert.rejects(t.request('GET', '/api/v1/nodes/big'), /response larger than 16384 bytes/);
    api.handler = (_req, res) => json(res, 200, { kind: 'Node' });
    assert.deepEqual(await t.request('GET', '/api/v1/nodes/small'), { kind: 'Node' }, 'still usable afterwards');
  });

  it('fails within its deadline, naming the path, when the server never answers', async () => {
    api.handler = () => { /* never answers */ };
    const t = transport(endpoint(api.url, { ca: cert.cert }), 300);
    const started = Date.now();
    await assert.rejects(t.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {}), (err: Error) => {
      assert.ok(err instanceof KubeApiError);
      assert.equal(err.status, undefined);
      assert.match(err.message, /^Kubernetes API POST \/apis\/authorization\.k8s\.io\/v1\/subjectaccessreviews on https:\/\/127\.0\.0\.1:\d+ failed: timed out after 300 ms$/);
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 1500, `failed after ${elapsed} ms`);
  });

  it('refuses a server whose certificate the CA does not vouch for, or that does not match the name', async () => {
    const stranger = await makeCert(dir, 'stranger');
    api.handler = (_req, res) => json(res, 200, { kind: 'Node' });
    await assert.rejects(transport(endpoint(api.url, { ca: stranger.cert })).request('GET', '/api/v1/nodes/n1'),
      (err: Error) => err instanceof KubeApiError && err.status === undefined && /certificate/i.test(err.message));
    await assert.rejects(transport(endpoint(api.url, { ca: cert.cert, servername: 'kubernetes.default.svc' })).request('GET', '/api/v1/nodes/n1'),
      /kubernetes\.default\.svc/);
    assert.deepEqual(await transport(endpoint(api.url, { ca: cert.cert, servername: 'localhost' })).request('GET', '/api/v1/nodes/n1'), { kind: 'Node' });
    assert.deepEqual(await transport(endpoint(api.url, { rejectUnauthorized: false })).request('GET', '/api/v1/nodes/n1'), { kind: 'Node' });
  });

  it('fails with the network error when nothing listens', async () => {
    const gone = await startServer(cert);
    const url = gone.url;
    await stopServer(gone);
    await assert.rejects(transport(endpoint(url, { ca: cert.cert })).request('GET', '/api/v1/nodes/n1'), /failed: connect ECONNREFUSED/);
  });

  it('presents a client certificate', async () => {
    const client = await makeCert(dir, 'agent-client');
    const mtls = await startServer(cert, { requestCert: true, ca: client.cert });
    try {
      mtls.handler = (req, res) => json(res, 200, { cn: (req.socket as TLSSocket).getPeerCertificate().subject.CN });
      const withCert = transport(endpoint(mtls.url, { ca: cert.cert, cert: client.cert, key: client.key }));
      assert.deepEqual(await withCert.request('GET', '/api/v1/nodes/n1'), { cn: 'agent-client' });
      await assert.rejects(transport(endpoint(mtls.url, { ca: cert.cert })).request('GET', '/api/v1/nodes/n1'), KubeApiError);
    } finally {
      await stopServer(mtls);
    }
  });
});
