// Row 7: hostile HTTP clients. Random and malformed query strings never get
// a 5xx; a client that sends its headers byte by byte is cut off after the
// header timeout; oversized headers are refused; 100 concurrent scrapes are
// each either served or shed with 503; scrapers that hang up in the middle
// of a body many times the socket's buffers leave nothing behind.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import { ExpositionCache } from '../../src/metrics/render.js';
import { SelfMetrics } from '../../src/metrics/self.js';
import { buildSnapshot } from '../../src/poller/build.js';
import { get } from '../fixtures/agent-process.js';
import { pollResults } from '../fixtures/poll-results.js';
import { agentOn, firstPoll, seeded, simRuntime } from './helpers.js';

const HEADER_TIMEOUT_MS = 1000;
const PATHS = ['/metrics', '/metrics/cadvisor', '/healthz', '/readyz', '/api/v1/runtime', '/api/v1/containers', '/api/v1/containers/abc',
  '/api/v1/discovery/logs', '/api/v1/nope', '/'];
const PIECES = ['namespace', 'pod', 'container', 'state', 'labelSelector', 'rotated', 'pathPrefix', 'running', 'app in (a,b)', '!x',
  '=', '&', '&&', '==', '%', '%zz', '%00', '%ff%fe', '%C3%28', '..', '/..', '[]', '[0]', '__proto__', 'constructor', '(', ')', ',', ';', '+', ' ',
  '\u00e9', '\ud83d\ude80', 'a'.repeat(5000), '\\', '"', "'", '<', '>', '#', '?'];

function randomQuery(rand: () => number): string {
  let q = '';
  const n = Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) {
    const piece = PIECES[Math.floor(rand() * PIECES.length)] as string;
    q += rand() < 0.5 ? encodeURIComponent(piece) : piece.replace(/[#\s]/g, '');
    if (rand() < 0.3) q += rand() < 0.5 ? '=' : '&';
  }
  return q;
}

describe('row 7: hostile HTTP clients', () => {
  let app: FastifyInstance;
  let port: number;
  const snapshot = buildSnapshot(pollResults(), { seq: 1, now: 1_700_000_500, lastSuccessAt: 1_700_000_500 });

  before(async () => {
    app = buildServer({
      snapshot: () => snapshot, exposition: new ExpositionCache(), self: new SelfMetrics('test'),
      health: () => ({ alive: true, ready: true, reason: '' }), logger: false,
      maxConcurrentRequests: 64, headerTimeoutMs: HEADER_TIMEOUT_MS,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  it('never answers 5xx to 3000 random or malformed query strings (fixed seed)', async () => {
    const rand = seeded(20261129);
    const bad: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const url = `${PATHS[Math.floor(rand() * PATHS.length)]}?${randomQuery(rand)}`;
      const res = await app.inject({ method: 'GET', url, headers: rand() < 0.2 ? { accept: 'application/openmetrics-text', 'accept-encoding': 'gzip' } : {} });
      if (res.statusCode >= 500) bad.push(`${res.statusCode} ${url.slice(0, 120)}: ${res.body.slice(0, 200)}`);
    }
    assert.deepEqual(bad, []);
  });

  it('cuts off a client that sends its headers byte by byte after the header timeout', async () => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let response = '';
    socket.on('data', (d) => { response += d.toString(); });
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    socket.on('error', () => undefined);
    const header = `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'z'.repeat(200)}`;
    let i = 0;
    const drip = setInterval(() => {
      if (socket.destroyed || i >= header.length) return;
      socket.write(header[i++] as string);
    }, 20);
    const lasted = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
    clearInterval(drip);
    socket.destroy();
    assert.notEqual(lasted, -1, 'the slow client was never cut off');
    assert.ok(lasted >= HEADER_TIMEOUT_MS - 50, `cut off after ${lasted} ms, before the header timeout`);
    assert.ok(lasted < HEADER_TIMEOUT_MS + 2500, `cut off only after ${lasted} ms`);
    assert.ok(response === '' || response.startsWith('HTTP/1.1 408'), `answer: ${response.slice(0, 80)}`);
  });

  it('refuses headers larger than 16 KiB with 431', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/metrics', headers: { 'x-big': 'b'.repeat(20 * 1024) }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 431);
  });

  it('serves or sheds (503) 100 concurrent scrapes, and nothing else', async () => {
    const one = () => new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    const statuses = await Promise.all(Array.from({ length: 100 }, one));
    const other = statuses.filter((s) => s !== 200 && s !== 503);
    assert.deepEqual(other, []);
    assert.ok(statuses.filter((s) => s === 200).length >= 64, `${statuses.filter((s) => s === 200).length} served`);
    // Once the burst is over, everything is served again.
    assert.equal(await one(), 200);
  });
});

describe('row 7: scrapers that hang up in the middle of the body', () => {
  it('costs the agent nothing: the in-flight slot is freed and the next scrapes get every byte', { timeout: 60_000 }, async () => {
    // 1000 containers: the plain exposition is megabytes, far more than the loopback socket buffers hold.
    const sim = await simRuntime(500);
    // One request at a time: a slot a hung-up scrape kept would make the next scrape a 503.
    const agent = await agentOn(sim.endpoint, ['--max-concurrent-requests', '1', '--poll-interval', '1h']);
    try {
      await firstPoll(agent);
      const { port } = new URL(agent.url);
      for (const encoding of ['identity', 'gzip', 'identity']) {
        const got = await hangUpAfterFirstBytes(Number(port), encoding);
        assert.match(got, /^HTTP\/1\.1 200 /, 'the scrape began to be served');
      }
      // /metrics/cadvisor has none of the agent's own families, so two scrapes of one snapshot are the same bytes.
      const plain = await get(`${agent.url}/metrics/cadvisor`);
      assert.equal(plain.status, 200);
      assert.equal(plain.bytes.length, Number(plain.headers['content-length']));
      assert.ok(plain.bytes.length > 4 << 20, `the plain body is ${plain.bytes.length} bytes, less than the test needs`);
      const zipped = await get(`${agent.url}/metrics/cadvisor`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(zipped.status, 200);
      assert.equal(zipped.bytes.length, Number(zipped.headers['content-length']));
      assert.ok(gunzipSync(zipped.bytes).equals(plain.bytes), 'the gzip body holds the same bytes');
      assert.equal((await get(`${agent.url}/metrics`)).status, 200);
    } finally {
      await agent.close();
      await sim.stop();
    }
  });
});

/** Asks for /metrics, reads the first bytes of the answer, and destroys the socket. */
function hangUpAfterFirstBytes(port: number, encoding: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('data', (d: Buffer) => {
      socket.destroy();
      resolve(d.toString('latin1'));
    });
    socket.write(`GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: ${encoding}\r\n\r\n`);
  });
}
