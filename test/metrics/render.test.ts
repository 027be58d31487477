import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildSnapshot } from '../../src/poller/build.js';
import { escapeLabelValue } from '../../src/metrics/exposition.js';
import { ExpositionCache, familiesFor, renderFamilies } from '../../src/metrics/render.js';
import { dbMain, pollResults, webApp } from '../fixtures/poll-results.js';
import { parseSamples } from '../e2e/harness/agent.js';
import { withHostStats } from './host-stats.js';

const snapshot = withHostStats(buildSnapshot(pollResults(), { seq: 1, now: 1_700_000_500, lastSuccessAt: 0 }));
const golden = (name: string) => fileURLToPath(new URL(`../fixtures/golden/${name}`, import.meta.url));

function checkGolden(name: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden(name), actual);
  assert.equal(actual, readFileSync(golden(name), 'utf8'), `${name} differs; if intended, rerun with UPDATE_GOLDEN=1 and review the diff`);
}

describe('metric rendering', () => {
  it('matches the golden Prometheus exposition', () => {
    checkGolden('metrics.prom', renderFamilies(familiesFor('all'), snapshot, 'prometheus'));
  });

  it('matches the golden OpenMetrics exposition of the cAdvisor view', () => {
    checkGolden('cadvisor.om', renderFamilies(familiesFor('cadvisor'), snapshot, 'openmetrics'));
  });

  it('gives every container series the cAdvisor labels and runtime', () => {
    const text = renderFamilies(familiesFor('cadvisor'), snapshot, 'prometheus');
    const cpu = text.split('\n').find((l) => l.startsWith('container_cpu_usage_seconds_total{') && l.includes(webApp.id));
    assert.equal(cpu, `container_cpu_usage_seconds_total{id="/kubepods/burstable/pod11111111-2222-3333-4444-555555555555/${webApp.id}",name="${webApp.id}",image="localhost/shop/app:1.0",pod="web-7d9f8-abcde",namespace="shop",container="app",runtime="containerd",cpu="total"} 1.5`);
    assert.ok(!text.includes('cri_'), 'the cAdvisor view has no cri_ families');
  });

  it('gives every cgroup-based series the cAdvisor labels, and fs and network series their own', () => {
    const text = renderFamilies(familiesFor('cadvisor'), snapshot, 'prometheus');
    const base = ['id', 'name', 'image', 'pod', 'namespace', 'container', 'runtime'];
    const expected: Record<string, string[]> = {
      container_memory_cache: base, container_memory_mapped_file: base, container_oom_events_total: base,
      container_cpu_cfs_periods_total: base, container_cpu_cfs_throttled_periods_total: base, container_cpu_cfs_throttled_seconds_total: base,
      container_spec_cpu_quota: base, container_spec_cpu_period: base, container_spec_cpu_shares: base, container_spec_memory_limit_bytes: base,
      container_fs_reads_total: [...base, 'device'], container_fs_writes_total: [...base, 'device'],
      container_fs_reads_bytes_total: [...base, 'device'], container_fs_writes_bytes_total: [...base, 'device'],
      container_network_receive_packets_total: [...base, 'interface'], container_network_transmit_packets_total: [...base, 'interface'],
      container_network_receive_packets_dropped_total: [...base, 'interface'], container_network_transmit_packets_dropped_total: [...base, 'interface'],
    };
    for (const [family, labels] of Object.entries(expected)) {
      const samples = parseSamples(text, family);
      assert.ok(samples.length > 0, `${family} has samples`);
      for (const s of samples) assert.deepEqual(Object.keys(s.labels), labels, family);
    }
    const throttled = parseSamples(text, 'container_cpu_cfs_throttled_seconds_total');
    assert.deepEqual(throttled.map((s) => [s.labels.container, s.value]), [['app', 3.067254242]]);
    const writes = parseSamples(text, 'container_fs_writes_bytes_total')[0];
    assert.deepEqual([writes?.labels.device, writes?.labels.container, writes?.value], ['/dev/vda', 'app', 4390912]);
    const rx = parseSamples(text, 'container_network_receive_packets_total')[0];
    assert.deepEqual([rx?.labels.name, rx?.labels.container, rx?.labels.interface, rx?.value], [webApp.sandboxId, '', 'eth0', 11]);
  });

  it('reports CFS counters and the quota only for containers that have a quota, as cAdvisor does', () => {
    const text = renderFamilies(familiesFor('cadvisor'), snapshot, 'prometheus');
    for (const family of ['container_cpu_cfs_periods_total', 'container_spec_cpu_quota']) {
      assert.deepEqual(parseSamples(text, family).map((s) => s.labels.name), [webApp.id], family);
    }
    assert.deepEqual(parseSamples(text, 'container_spec_cpu_period').map((s) => s.labels.name).sort(), [webApp.id, dbMain.id].sort());
    assert.equal(parseSamples(text, 'container_spec_memory_limit_bytes').find((s) => s.labels.name === dbMain.id)?.value, 0, 'no limit is 0');
  });

  it('takes pod bytes and errors from the network namespace when CRI stats have none', () => {
    const noCri = { ...snapshot, pods: snapshot.pods.map((p) => ({ ...p, usage: undefined })) };
    const text = renderFamilies(familiesFor('cadvisor'), noCri, 'prometheus');
    assert.deepEqual(parseSamples(text, 'container_network_receive_bytes_total').map((s) => [s.labels.interface, s.value]), [['eth0', 1026]]);
  });

  it('leaves out a container that has gone from the snapshot', () => {
    const after = buildSnapshot(pollResults({ containers: pollResults().containers.filter((c) => c.id !== webApp.id) }), { seq: 2, now: 1_700_000_510, lastSuccessAt: 0 });
    assert.ok(!renderFamilies(familiesFor('all'), after, 'prometheus').includes(webApp.id));
  });

  it('escapes hostile label values', () => {
    assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    assert.equal(escapeLabelValue('plain ünïcode'), 'plain ünïcode');
  });

  it('renders once per snapshot and format', () => {
    const cache = new ExpositionCache();
    const a = cache.get(snapshot, 'all', 'prometheus');
    assert.equal(cache.get(snapshot, 'all', 'prometheus'), a);
    const next = { ...snapshot, seq: snapshot.seq + 1, containers: [] };
    assert.notEqual(cache.get(next, 'all', 'prometheus'), a);
  });
});

describe('compressed exposition', () => {
  it('compresses once per snapshot and decompresses to the same text', async () => {
    const { gunzipSync } = await import('node:zlib');
    const cache = new ExpositionCache();
    const first = cache.gzipped(snapshot, 'all', 'prometheus');
    assert.equal(cache.gzipped(snapshot, 'all', 'prometheus'), first, 'the same compression is reused');
    assert.equal(gunzipSync(await first).toString(), cache.get(snapshot, 'all', 'prometheus'));
    const next = { ...snapshot, seq: snapshot.seq + 1 };
    assert.notEqual(cache.gzipped(next, 'all', 'prometheus'), first, 'a new snapshot is compressed anew');
  });
});
