// Self-test for the e2e harness: a real Prometheus must scrape a tiny local
// exporter, answer queries about it, and vanish completely on stop().
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { e2eSkip } from './preconditions.js';
import { startPrometheus, type Prometheus } from './prometheus.js';
import { checkMetrics } from './promtool.js';

const EXPOSITION = '# HELP demo_total x\n# TYPE demo_total counter\ndemo_total{a="b"} 3\n';
const JOB = 'demo';

function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only checks existence
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

describe('e2e harness: prometheus + promtool', { skip: e2eSkip('prometheus harness', ['prometheus', 'promtool']) }, () => {
  let exporter: Server;
  let prom: Prometheus;

  before(async () => {
    exporter = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(EXPOSITION);
    });
    const port = await listenOnLoopback(exporter);
    prom = await startPrometheus({
      scrapeConfigs: [
        { job_name: JOB, scrape_interval: '1s', metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${port}`] }] },
      ],
    });
  });

  after(async () => {
    await prom?.stop();
    exporter?.close();
  });

  test('scrapes the exporter: up == 1', async () => {
    const up = await prom.waitFor(
      async () => (await prom.query(`up{job="${JOB}"} == 1`))[0],
      20_000,
      `up{job="${JOB}"} == 1`,
    );
    assert.equal(up.value[1], '1');
  });

  test('serves the scraped sample through the query API', async () => {
    const sample = await prom.waitFor(
      async () => (await prom.query(`demo_total{job="${JOB}"}`)).find((s) => s.value[1] === '3'),
      20_000,
      'demo_total == 3',
    );
    assert.equal(sample.metric.a, 'b');
    assert.equal(sample.metric.__name__, 'demo_total');
  });

  test('lists the target as healthy', async () => {
    const { activeTargets } = await prom.targets('active');
    assert.equal(activeTargets.length, 1);
    assert.equal(activeTargets[0]?.health, 'up');
  });

  test('query errors carry the error body', async () => {
    await assert.rejects(prom.query('sum('), /parse error/);
  });

  test('checkMetrics accepts a valid exposition', async () => {
    assert.deepEqual(await checkMetrics(EXPOSITION), { ok: true, problems: [] });
  });

  test('checkMetrics reports lint findings without failing', async () => {
    const result = await checkMetrics('# TYPE demo counter\ndemo 1\n');
    assert.equal(result.ok, true);
    assert.ok(result.problems.some((p) => p.includes('_total')), result.problems.join('\n'));
  });

  test('checkMetrics rejects a syntactically broken exposition', async () => {
    const result = await checkMetrics('# TYPE demo_total counter\ndemo_total{a="b" 3\n');
    assert.equal(result.ok, false);
    assert.ok(result.problems.length > 0);
    assert.match(result.problems.join('\n'), /parsing error/);
  });

  test('stop() ends the prometheus process', async () => {
    const pid = prom.pid;
    assert.ok(pidExists(pid), 'prometheus should be running before stop()');
    await prom.stop();
    assert.equal(pidExists(pid), false, `prometheus pid ${pid} still exists after stop()`);
  });
});
