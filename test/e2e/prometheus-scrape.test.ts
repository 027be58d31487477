// A real Prometheus scrapes the agent, which polls a real containerd: the
// series for the test pods must arrive through Prometheus's query API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { e2eSkip } from './harness/preconditions.js';
import type { Agent } from './harness/agent.js';
import { startTestNode, type TestNode } from './harness/test-node.js';
import { startPrometheus, type Prometheus } from './harness/prometheus.js';

const skip = e2eSkip('Prometheus scrape', ['containerd', 'runc', 'ctr', 'prometheus']);

describe('a real Prometheus scraping the agent', { skip }, () => {
  let node: TestNode;
  let agent: Agent;
  let prom: Prometheus;

  before(async () => {
    node = await startTestNode();
    for (const name of ['web', 'worker']) {
      await node.runPod({
        name, namespace: 'scrape', uid: `00000000-0000-4000-a000-0000000000${name === 'web' ? '01' : '02'}`,
        containers: [{ name: 'main', command: ['sh', '-c', 'while true; do echo tick; sleep 1; done'] }],
      });
    }
    agent = await node.startAgent(['--poll-interval', '1s']);
    const target = agent.url.replace('http://', '');
    prom = await startPrometheus({
      scrapeConfigs: [{ job_name: 'cri-exporter', scrape_interval: '1s', static_configs: [{ targets: [target] }] }],
    });
  });

  after(async () => {
    await prom?.stop();
    await node?.stop();
  });

  it('has up == 1 for the agent', async () => {
    const up = await prom.waitFor(async () => {
      const r = await prom.query('up{job="cri-exporter"}');
      return r[0]?.value[1] === '1' ? r : undefined;
    }, 30_000, 'up{job="cri-exporter"} == 1');
    assert.equal(up.length, 1);
  });

  it('returns container_cpu_usage_seconds_total for every test pod', async () => {
    const series = await prom.waitFor(async () => {
      const r = await prom.query('container_cpu_usage_seconds_total{namespace="scrape",runtime="containerd"}');
      return r.length === 2 ? r : undefined;
    }, 30_000, 'cpu series of both test pods');
    assert.deepEqual(series.map((s) => s.metric.pod).sort(), ['web', 'worker']);
    for (const s of series) {
      assert.equal(s.metric.container, 'main');
      assert.ok(Number(s.value[1]) > 0, 'a busy loop used some CPU');
    }
  });

  it('reports the runtime condition and no failed scrape', async () => {
    const ready = await prom.waitFor(async () => {
      const r = await prom.query('cri_runtime_condition{condition="RuntimeReady",status="true"}');
      return r.length === 1 ? r : undefined;
    }, 30_000, 'RuntimeReady condition');
    assert.equal(ready[0]?.value[1], '1');
    const targets = await prom.targets('active');
    assert.equal(targets.activeTargets[0]?.lastError, '');
  });
});
