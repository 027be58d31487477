import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildSnapshot } from '../../src/poller/build.js';
import { escapeLabelValue } from '../../src/metrics/exposition.js';
import { ExpositionCache, familiesFor, renderFamilies } from '../../src/metrics/render.js';
import { pollResults, webApp } from '../fixtures/poll-results.js';

const snapshot = buildSnapshot(pollResults(), { seq: 1, now: 1_700_000_500, lastSuccessAt: 0 });
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
