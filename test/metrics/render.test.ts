import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { buildSnapshot } from '../../src/poller/build.js';
import { escapeLabelValue } from '../../src/metrics/exposition.js';
import { gzipMember } from '../../src/metrics/gzip-member.js';
import { ExpositionCache, familiesFor, renderFamilies } from '../../src/metrics/render.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
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

  it('leaves nothing of a family that threw for the families rendered after it', () => {
    const broken = { name: 'broken', type: 'gauge' as const, help: 'Throws halfway.', cadvisor: false,
      write(_s: Snapshot, out: { sample(labels: string, value: number): void }) {
        out.sample('a="1"', 1);
        throw new Error('boom');
      } };
    assert.throws(() => renderFamilies([broken], snapshot, 'prometheus'), /boom/);
    checkGolden('metrics.prom', renderFamilies(familiesFor('all'), snapshot, 'prometheus'));
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
    const noCri = { ...snapshot, podUsage: new Map() };
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
    const a = cache.text(snapshot, 'all', 'prometheus');
    assert.equal(cache.text(snapshot, 'all', 'prometheus'), a);
    assert.notEqual(cache.text(snapshot, 'all', 'openmetrics'), a);
    const next = { ...snapshot, seq: snapshot.seq + 1, containers: [] };
    assert.notEqual(cache.text(next, 'all', 'prometheus'), a);
  });

  it('serves from the cache exactly what renderFamilies renders, in both views and formats', () => {
    const cache = new ExpositionCache();
    assert.equal(cache.get(snapshot, 'all', 'prometheus'), readFileSync(golden('metrics.prom'), 'utf8'));
    assert.equal(cache.get(snapshot, 'cadvisor', 'openmetrics'), readFileSync(golden('cadvisor.om'), 'utf8'));
    const text = cache.text(snapshot, 'cadvisor', 'prometheus');
    assert.equal(text.bytes, Buffer.concat(text.parts).length);
  });

  it('shares the cAdvisor families\' renderings between /metrics/cadvisor and /metrics', () => {
    const cache = new ExpositionCache();
    const all = cache.text(snapshot, 'all', 'openmetrics').parts;
    const cadvisor = cache.text(snapshot, 'cadvisor', 'openmetrics').parts;
    assert.ok(cadvisor.length > 0 && cadvisor.length < all.length);
    cadvisor.forEach((part, i) => assert.equal(part, all[i], familyOf(part)));
  });
});

/** As the poller republishes the last data when a poll fails. */
function failedPoll(prev: Snapshot, takenAt: number): Snapshot {
  return Object.freeze({
    ...prev, seq: prev.seq + 1, takenAt, ok: false,
    runtime: Object.freeze({ ...prev.runtime }),
    errors: Object.freeze([{ part: 'poll', message: 'connection refused' }]),
  });
}

const familyOf = (part: Buffer): string => part.toString('latin1', 0, 200).split(' ', 3)[2] ?? '';

function rerendered(before: readonly Buffer[], after: readonly Buffer[]): string[] {
  assert.equal(after.length, before.length);
  return after.filter((part, i) => part !== before[i]).map(familyOf);
}

describe('rendering kept across snapshots', () => {
  it('reuses every family of a failed poll but the one that reads its time, and renders what a fresh render would', () => {
    const cache = new ExpositionCache();
    const before = cache.text(snapshot, 'all', 'prometheus').parts;
    const failed = failedPoll(snapshot, snapshot.takenAt + 10);
    const after = cache.text(failed, 'all', 'prometheus').parts;
    assert.deepEqual(rerendered(before, after), ['container_last_seen']);
    assert.equal(Buffer.concat(after).toString(), renderFamilies(familiesFor('all'), failed, 'prometheus'));
    assert.match(Buffer.concat(after).toString(), /^container_last_seen\{.*\} 1700000510$/m);
  });

  it('serves the same rendering, compressed once, for a snapshot that differs only in what no family reads', async () => {
    const cache = new ExpositionCache();
    const text = cache.text(snapshot, 'all', 'openmetrics');
    const deflated = cache.deflated(snapshot, 'all', 'openmetrics');
    const failed = failedPoll(snapshot, snapshot.takenAt);
    assert.equal(cache.text(failed, 'all', 'openmetrics'), text);
    assert.equal(cache.deflated(failed, 'all', 'openmetrics'), deflated);
  });

  it('renders anew the families of containers that changed', () => {
    const cache = new ExpositionCache();
    const before = cache.text(snapshot, 'all', 'prometheus').parts;
    const fewer = { ...snapshot, seq: snapshot.seq + 1, containers: snapshot.containers.filter((c) => c.id !== webApp.id) };
    const after = cache.text(fewer, 'all', 'prometheus').parts;
    const redone = rerendered(before, after);
    for (const family of ['container_cpu_usage_seconds_total', 'container_last_seen', 'cri_container_info', 'cri_container_state']) assert.ok(redone.includes(family), family);
    for (const family of ['container_processes', 'cri_runtime_info', 'cri_images']) assert.ok(!redone.includes(family), family);
    assert.equal(Buffer.concat(after).toString(), renderFamilies(familiesFor('all'), fewer, 'prometheus'));
    assert.ok(!Buffer.concat(after).toString().includes(webApp.id));
  });

  it('renders anew only the usage and cgroup families when the containers stay and their figures move', () => {
    const cache = new ExpositionCache();
    const before = cache.text(snapshot, 'all', 'prometheus').parts;
    const usage = new Map([...snapshot.usage].map(([id, u]) => [id, { ...u, memoryRssBytes: (u.memoryRssBytes ?? 0) + 4096 }]));
    const cgroups = new Map([...snapshot.cgroups].map(([id, g]) => [id, { ...g, oomKills: (g.oomKills ?? 0) + 1 }]));
    const next = { ...snapshot, seq: snapshot.seq + 1, usage, cgroups };
    const after = cache.text(next, 'all', 'prometheus').parts;
    const redone = rerendered(before, after);
    for (const family of ['container_memory_rss', 'container_cpu_usage_seconds_total', 'container_oom_events_total']) assert.ok(redone.includes(family), family);
    for (const family of ['container_start_time_seconds', 'cri_container_info', 'container_processes']) assert.ok(!redone.includes(family), family);
    assert.equal(Buffer.concat(after).toString(), renderFamilies(familiesFor('all'), next, 'prometheus'));
    const rss = (text: string) => text.split('\n').find((l) => l.startsWith('container_memory_rss{') && l.includes(webApp.id));
    assert.notEqual(rss(Buffer.concat(after).toString()), rss(Buffer.concat(before).toString()));
  });

  it('renders anew what reads the runtime when a failed poll no longer knows it', () => {
    const cache = new ExpositionCache();
    const before = cache.text(snapshot, 'all', 'prometheus').parts;
    const failed = failedPoll(snapshot, snapshot.takenAt);
    const unknown = Object.freeze({ ...failed, runtime: Object.freeze({ ...failed.runtime, type: '', name: '', version: '' }) });
    const after = cache.text(unknown, 'all', 'prometheus').parts;
    const redone = rerendered(before, after);
    for (const family of ['container_processes', 'cri_runtime_info', 'cri_pod_sandbox_info']) assert.ok(redone.includes(family), family);
    assert.ok(!redone.includes('container_cpu_usage_seconds_total'));
    assert.equal(Buffer.concat(after).toString(), renderFamilies(familiesFor('all'), unknown, 'prometheus'));
  });

  it('after warm-up, serves the rendering of the snapshot it warmed', async () => {
    const cache = new ExpositionCache();
    cache.text(snapshot, 'all', 'prometheus');
    const next = failedPoll(snapshot, snapshot.takenAt + 10);
    await cache.warm(next);
    assert.equal(cache.get(next, 'all', 'prometheus'), renderFamilies(familiesFor('all'), next, 'prometheus'));
    assert.equal(cache.get(next, 'cadvisor', 'openmetrics'), renderFamilies(familiesFor('cadvisor'), next, 'openmetrics'));
  });

  it('stops preparing what nobody asked for in 10 minutes', async () => {
    let now = 0;
    const cache = new ExpositionCache(() => now);
    cache.text(snapshot, 'cadvisor', 'prometheus');
    now = 9 * 60_000;
    const within = failedPoll(snapshot, snapshot.takenAt + 10);
    await cache.warm(within);
    assert.ok(cache.prepared(within, 'cadvisor', 'prometheus'));
    assert.ok(cache.prepared(within, 'all', 'openmetrics'), 'what Prometheus asks for, from the start');
    now = 11 * 60_000;
    const after = failedPoll(snapshot, snapshot.takenAt + 20);
    await cache.warm(after);
    assert.equal(cache.prepared(after, 'cadvisor', 'prometheus'), false);
    assert.equal(cache.prepared(after, 'all', 'openmetrics'), false, 'never asked for: counted from when the cache was made');
    cache.text(after, 'cadvisor', 'prometheus');
    const again = failedPoll(snapshot, snapshot.takenAt + 30);
    await cache.warm(again);
    assert.ok(cache.prepared(again, 'cadvisor', 'prometheus'), 'asked for again: prepared again');
  });

  it('prepares a snapshot after its poll only when a scrape is due before the next snapshot', async () => {
    let now = 0;
    const cache = new ExpositionCache(() => now);
    const fresh = cache.prepared.bind(cache);
    const first = failedPoll(snapshot, snapshot.takenAt + 10);
    await cache.warm(first, 10_000);
    assert.ok(fresh(first, 'all', 'openmetrics'), 'before any scrape, what Prometheus asks for is prepared after every poll');
    // Scrapes every 30 s; polls every 10 s.
    for (const at of [5_000, 35_000, 65_000]) {
      now = at;
      cache.deflated(first, 'all', 'openmetrics');
    }
    now = 70_000;
    const skipped = failedPoll(snapshot, snapshot.takenAt + 70);
    await cache.warm(skipped, 80_500);
    assert.equal(fresh(skipped, 'all', 'openmetrics'), false, 'no scrape is due before 80.5 s');
    now = 90_000;
    const due = failedPoll(snapshot, snapshot.takenAt + 90);
    await cache.warm(due, 100_500);
    assert.ok(fresh(due, 'all', 'openmetrics'), 'the scrape due at 95 s finds it ready');
    // A scrape that comes anyway renders what it asks for: the same bytes.
    assert.equal(cache.get(skipped, 'all', 'openmetrics'), renderFamilies(familiesFor('all'), skipped, 'openmetrics'));
    assert.ok(fresh(skipped, 'all', 'openmetrics'));
  });
});

describe('compressed exposition', () => {
  const own = Buffer.from('# HELP cri_exporter_up Up.\n# TYPE cri_exporter_up gauge\ncri_exporter_up 1\n');

  for (const tail of [own, Buffer.alloc(0)]) {
    it(`is one gzip member that decompresses to the text and ${tail.length > 0 ? 'the tail' : 'an empty tail'}`, async () => {
      const cache = new ExpositionCache();
      const body = Buffer.concat(gzipMember(cache.deflated(snapshot, 'all', 'prometheus'), tail));
      const expected = cache.get(snapshot, 'all', 'prometheus') + tail.toString();
      assert.equal(gunzipSync(body).toString(), expected);
      // curl reads only the first member of a gzip body: the whole text must be in it.
      assert.equal(inflateRawSync(body.subarray(10, -8)).toString(), expected);
      assert.equal(body.readUInt32LE(body.length - 8), crc32(expected));
      assert.equal(body.readUInt32LE(body.length - 4), Buffer.byteLength(expected));
    });
  }

  it('joins families compressed for an earlier snapshot with those rendered anew into one valid member', () => {
    const cache = new ExpositionCache();
    cache.deflated(snapshot, 'all', 'openmetrics');
    const failed = failedPoll(snapshot, snapshot.takenAt + 10);
    const member = Buffer.concat(gzipMember(cache.deflated(failed, 'all', 'openmetrics'), Buffer.alloc(0)));
    // gunzip checks the trailer's CRC and length against what it inflated.
    assert.equal(gunzipSync(member).toString(), renderFamilies(familiesFor('all'), failed, 'openmetrics'));
  });

  it('gives scrapes of one snapshot and one tail the same chunks, and a changed tail its own trailer', () => {
    const cache = new ExpositionCache();
    const head = cache.deflated(snapshot, 'all', 'prometheus');
    const first = gzipMember(head, own);
    assert.equal(gzipMember(head, own), first, 'the chunks are made once, not per scrape');
    const changed = Buffer.from(own.toString().replace('cri_exporter_up 1', 'cri_exporter_up 0'));
    const second = gzipMember(head, changed);
    assert.notEqual(second, first);
    assert.equal(gunzipSync(Buffer.concat(second)).toString(), cache.get(snapshot, 'all', 'prometheus') + changed.toString());
    assert.equal(gunzipSync(Buffer.concat(first)).toString(), cache.get(snapshot, 'all', 'prometheus') + own.toString(), 'chunks already handed out stay valid');
  });

  it('compresses once per snapshot', async () => {
    const cache = new ExpositionCache();
    const first = cache.deflated(snapshot, 'all', 'prometheus');
    assert.equal(cache.deflated(snapshot, 'all', 'prometheus'), first, 'the same compression is reused');
    const next = { ...snapshot, seq: snapshot.seq + 1, containers: [] };
    const second = cache.deflated(next, 'all', 'prometheus');
    assert.notEqual(second, first, 'a new snapshot is compressed anew');
    assert.equal(gunzipSync(Buffer.concat(gzipMember(second, Buffer.alloc(0)))).toString(), renderFamilies(familiesFor('all'), next, 'prometheus'));
  });
});
