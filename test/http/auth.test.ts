// The access-control hook and the concurrency cap, through inject() with a
// stub authorizer: which paths need which grant, and how each decision maps
// to a status code.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { LOG_REDACTIONS } from '../../src/cli/access.js';
import { accessFor, bearerToken, type AuthDecision, type NodeAccess } from '../../src/http/auth.js';
import { buildServer } from '../../src/http/server.js';
import { ExpositionCache } from '../../src/metrics/render.js';
import { SelfMetrics } from '../../src/metrics/self.js';
import { buildSnapshot } from '../../src/poller/build.js';
import { pollResults } from '../fixtures/poll-results.js';

const snapshot = buildSnapshot(pollResults(), { seq: 1, now: 1_700_000_500, lastSuccessAt: 0 });
const asked: { token: string; access: NodeAccess }[] = [];
const decisions: Record<string, AuthDecision> = {
  metrics: { status: 200, reason: '' },
  denied: { status: 403, reason: 'u may not get nodes/log n', user: 'u' },
  unknown: { status: 401, reason: 'invalid bearer token' },
  down: { status: 503, reason: 'Kubernetes API create TokenReview failed: timed out' },
};
const app = buildServer({
  snapshot: () => snapshot, exposition: new ExpositionCache(), self: new SelfMetrics('test'),
  health: () => ({ alive: true, ready: true, reason: '' }), logger: false,
  auth: {
    nodeName: 'node-a',
    authorizer: {
      async check(token, access) {
        asked.push({ token, access });
        const d = decisions[token] ?? decisions.unknown as AuthDecision;
        return token === 'metrics' && access.subresource !== 'metrics' ? { status: 403, reason: 'no log grant' } : d;
      },
    },
  },
});
after(() => app.close());
const get = (url: string, token?: string) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('access control hook', () => {
  it('maps /metrics* to nodes/metrics and everything else to nodes/log, verb get, this node', () => {
    assert.deepEqual(accessFor('/metrics', 'n1'), { verb: 'get', subresource: 'metrics', name: 'n1' });
    assert.deepEqual(accessFor('/metrics/cadvisor', 'n1'), { verb: 'get', subresource: 'metrics', name: 'n1' });
    for (const p of ['/api/v1/containers', '/api/v1/discovery/logs', '/api/v1/watch', '/metricsx', '/']) {
      assert.equal(accessFor(p, 'n1').subresource, 'log', p);
    }
  });

  it('parses only well-formed bearer headers', () => {
    assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
    assert.equal(bearerToken('bearer abc'), 'abc');
    for (const bad of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'abc']) assert.equal(bearerToken(bad), undefined, String(bad));
  });

  it('serves the probes without asking anyone', async () => {
    const n = asked.length;
    assert.equal((await get('/healthz')).statusCode, 200);
    assert.equal((await get('/readyz?verbose=1')).statusCode, 200);
    assert.equal(asked.length, n);
  });

  it('maps decisions to 200, 401, 403 and 503, with a Bearer challenge on 401', async () => {
    assert.equal((await get('/metrics', 'metrics')).statusCode, 200);
    assert.equal((await get('/api/v1/containers', 'metrics')).statusCode, 403);
    const none = await get('/metrics');
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer realm=/);
    assert.equal((await get('/metrics', 'unknown')).statusCode, 401);
    const down = await get('/metrics', 'down');
    assert.equal(down.statusCode, 503);
    assert.ok(!down.body.includes('down'), 'the 503 body does not echo anything from the request');
    assert.equal((await get('/nowhere', 'denied')).statusCode, 403, 'a 404 is not revealed before authorization');
  });

  it('asks with the path attributes and the node name', async () => {
    asked.length = 0;
    await get('/metrics/cadvisor?x=1', 'metrics');
    assert.deepEqual(asked, [{ token: 'metrics', access: { verb: 'get', subresource: 'metrics', name: 'node-a' } }]);
  });
});

describe('concurrency cap', () => {
  it('answers 503 beyond --max-concurrent-requests and serves again once requests finish', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    const limited = buildServer({
      snapshot: () => snapshot, exposition: new ExpositionCache(), self: new SelfMetrics('test'),
      health: () => ({ alive: true, ready: true, reason: '' }), logger: false, maxConcurrentRequests: 2,
    });
    limited.addHook('preHandler', async (req) => {
      if (req.url.startsWith('/api/v1/containers')) await gate;
    });
    const slow = [limited.inject({ method: 'GET', url: '/api/v1/containers' }), limited.inject({ method: 'GET', url: '/api/v1/containers' })];
    await new Promise((r) => setTimeout(r, 50));
    const shed = await limited.inject({ method: 'GET', url: '/metrics' });
    assert.equal(shed.statusCode, 503);
    assert.equal(shed.headers['retry-after'], '1');
    assert.equal((await limited.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'probes are exempt');
    release();
    for (const r of await Promise.all(slow)) assert.equal(r.statusCode, 200);
    assert.equal((await limited.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
    await limited.close();
  });
});

describe('request logging', () => {
  it('logs a refusal through the agent\'s own logger, without a logger per request', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info', redact: { paths: LOG_REDACTIONS, censor: '[redacted]' } }, { write: (l: string) => lines.push(l) });
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => {
      children++;
      return child(...args);
    }) as typeof logger.child;
    const logged = buildServer({
      snapshot: () => snapshot, exposition: new ExpositionCache(), self: new SelfMetrics('test'),
      health: () => ({ alive: true, ready: true, reason: '' }), logger,
      auth: { nodeName: 'node-a', authorizer: { check: async (token) => decisions[token] ?? decisions.unknown as AuthDecision } },
    });
    await logged.ready();
    const before = children;
    for (let i = 0; i < 3; i++) assert.equal((await logged.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics' } })).statusCode, 200);
    assert.equal((await logged.inject({ method: 'GET', url: '/api/v1/containers', headers: { authorization: 'Bearer denied' } })).statusCode, 403);
    assert.equal(children - before, 0, 'no child logger is made per request (each cost a pass through the redactor)');
    const refusal = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request refused');
    assert.deepEqual(refusal && { path: refusal.path, status: refusal.status, user: refusal.user }, { path: '/api/v1/containers', status: 403, user: 'u' });
    assert.ok(!lines.some((l) => l.includes('Bearer')), 'no credentials in the log');
    await logged.close();
  });
});
