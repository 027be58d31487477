import assert from 'node:assert/strict';
import { after, describe, it, mock } from 'node:test';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { buildServer } from '../../src/http/server.js';
import { CADVISOR_FAMILIES } from '../../src/metrics/families.js';
import { ExpositionCache } from '../../src/metrics/render.js';
import { SelfMetrics } from '../../src/metrics/self.js';
import { buildSnapshot } from '../../src/poller/build.js';
import { pollResults } from '../fixtures/poll-results.js';

const snapshot = buildSnapshot(pollResults(), { seq: 1, now: 1_700_000_500, lastSuccessAt: 1_700_000_500 });
const exposition = new ExpositionCache();
const app = buildServer({ snapshot: () => snapshot, exposition, self: new SelfMetrics('test'), health: () => ({ alive: true, ready: true, reason: '' }), logger: false });
after(() => app.close());

const OPENMETRICS = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';
const get = (url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') => app.inject({ method, url, headers });

describe('/metrics bodies', () => {
  for (const url of ['/metrics', '/metrics/cadvisor']) {
    for (const accept of ['text/plain', OPENMETRICS]) {
      const format = accept === OPENMETRICS ? 'OpenMetrics' : 'Prometheus text';
      it(`${url} in ${format}: the gzip body is one member holding exactly the plain body`, async () => {
        const plain = await get(url, { accept });
        const gzipped = await get(url, { accept, 'accept-encoding': 'gzip, deflate' });
        for (const res of [plain, gzipped]) {
          assert.equal(res.statusCode, 200);
          assert.equal(res.headers['content-type'], accept === OPENMETRICS ? 'application/openmetrics-text; version=1.0.0; charset=utf-8' : 'text/plain; version=0.0.4; charset=utf-8');
          assert.equal(res.headers.vary, 'Accept, Accept-Encoding');
          assert.equal(Number(res.headers['content-length']), res.rawPayload.length);
        }
        assert.equal(plain.headers['content-encoding'], undefined);
        assert.equal(gzipped.headers['content-encoding'], 'gzip');
        assert.equal(gunzipSync(gzipped.rawPayload).toString(), plain.body);
        assert.equal(inflateRawSync(gzipped.rawPayload.subarray(10, -8)).toString(), plain.body, 'one member, as curl reads no further');
        assert.match(plain.body, /^container_cpu_usage_seconds_total\{/m);
        assert.equal(/^cri_exporter_up /m.test(plain.body), url === '/metrics');
        if (accept === OPENMETRICS) {
          assert.ok(plain.body.endsWith('\n# EOF\n'));
          assert.equal(plain.body.match(/# EOF/g)?.length, 1);
        }
      });
    }
  }

  it('answers HEAD with the headers alone', async () => {
    const res = await get('/metrics', { 'accept-encoding': 'gzip' }, 'HEAD');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.ok(Number(res.headers['content-length']) > 0);
    assert.equal(res.rawPayload.length, 0);
  });

  it('keeps no text while only gzip is asked for; the first uncompressed scrape renders it once, and the same bytes', async () => {
    const samples = mock.method(CADVISOR_FAMILIES[0] as { write: (typeof CADVISOR_FAMILIES)[0]['write'] }, 'write');
    try {
      const cache = new ExpositionCache();
      const scraped = buildServer({ snapshot: () => snapshot, exposition: cache, self: new SelfMetrics('test'), health: () => ({ alive: true, ready: true, reason: '' }), logger: false });
      const zipped = await scraped.inject({ method: 'GET', url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
      await scraped.inject({ method: 'GET', url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
      assert.equal(samples.mock.callCount(), 1);
      const plain = await scraped.inject({ method: 'GET', url: '/metrics' });
      assert.equal(samples.mock.callCount(), 2, 'the text, not kept, is rendered again');
      const again = await scraped.inject({ method: 'GET', url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
      await scraped.inject({ method: 'GET', url: '/metrics' });
      await scraped.close();
      assert.equal(samples.mock.callCount(), 2, 'both forms kept from then on');
      assert.equal(gunzipSync(zipped.rawPayload).toString(), plain.payload);
      assert.equal(gunzipSync(again.rawPayload).toString(), plain.payload);
    } finally {
      samples.mock.restore();
    }
  });

  it('renders the families once for scrapes of the same snapshot', async () => {
    const samples = mock.method(CADVISOR_FAMILIES[0] as { write: (typeof CADVISOR_FAMILIES)[0]['write'] }, 'write');
    try {
      const cache = new ExpositionCache();
      const scraped = buildServer({ snapshot: () => snapshot, exposition: cache, self: new SelfMetrics('test'), health: () => ({ alive: true, ready: true, reason: '' }), logger: false });
      const text = cache.text(snapshot, 'all', 'prometheus');
      const first = await scraped.inject({ method: 'GET', url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
      const second = await scraped.inject({ method: 'GET', url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
      await scraped.inject({ method: 'GET', url: '/metrics' });
      await scraped.close();
      assert.equal(samples.mock.callCount(), 1);
      assert.equal(cache.text(snapshot, 'all', 'prometheus'), text, 'the cached rendering is served, not replaced');
      assert.deepEqual(second.rawPayload, first.rawPayload);
    } finally {
      samples.mock.restore();
    }
  });
});
