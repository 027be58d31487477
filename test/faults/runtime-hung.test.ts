// Row 3 (simulated half): a runtime that accepts calls and never answers.
// Every call must end at its deadline, polls must not pile up on each other,
// and scrapes must stay fast because they are served from the snapshot.
// (The real-containerd half, SIGSTOP, is in test/e2e/faults-containerd.test.ts.)
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SimRuntime } from '../../src/sim/server.js';
import { waitUntil } from '../e2e/harness/agent.js';
import { get, spawnAgent, type AgentProcess } from '../fixtures/agent-process.js';
import { simRuntime, total } from './helpers.js';

const TIMEOUT_MS = 300;

describe('row 3: a runtime that never answers', () => {
  let rt: SimRuntime;
  let agent: AgentProcess;
  after(async () => {
    await agent?.stop();
    await rt?.stop();
  });

  it('ends every call at its deadline, never overlaps polls, and serves scrapes fast', async () => {
    rt = await simRuntime(4);
    // A child process: the scrapes measure the agent, not this test's own event loop (which runs the runtime).
    agent = await spawnAgent(['--runtime-endpoint', rt.endpoint, '--poll-interval', '500ms', '--cri-timeout', `${TIMEOUT_MS}ms`, '--log-level', 'error']);
    const lastPollOk = async () => (JSON.parse((await get(`${agent.url}/api/v1/runtime`)).body) as { lastPoll: { ok: boolean } }).lastPoll.ok;
    const containers = async () => JSON.parse((await get(`${agent.url}/api/v1/containers`)).body) as unknown[];
    const text = async () => (await get(`${agent.url}/metrics`)).body;
    await waitUntil(lastPollOk, 20_000, () => agent.output());
    // Warm up first (V8 compiles the render and serialisation paths on first use): the bound is about steady state.
    for (let i = 0; i < 50; i++) await text();
    const listed = await containers();
    const before = await text();
    const t0 = Date.now();
    rt.faults.hang = true;
    await waitUntil(async () => !(await lastPollOk()), 5_000, () => 'polls did not fail');

    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const s = performance.now();
      const res = await fetch(`${agent.url}/metrics`); // keep-alive, as Prometheus scrapes
      await res.text();
      latencies.push(performance.now() - s);
      assert.equal(res.status, 200);
    }
    latencies.sort((a, b) => a - b);
    // What this proves is that no scrape waits on the hung runtime: every one
    // ends well inside a single CRI deadline. How fast a scrape is, is the
    // benchmark's business (bench/, docs/benchmarks.md), not a timed test's.
    const slowest = latencies[latencies.length - 1] as number;
    assert.ok(slowest < TIMEOUT_MS / 2, `slowest of 50 scrapes: ${slowest.toFixed(1)} ms (${latencies.map((l) => l.toFixed(0)).join(",")})`);
    await new Promise((r) => setTimeout(r, 2000));

    const during = await text();
    const elapsed = (Date.now() - t0) / 1000;
    const pollSeconds = total(during, 'cri_exporter_poll_duration_seconds_sum') - total(before, 'cri_exporter_poll_duration_seconds_sum');
    const polls = total(during, 'cri_exporter_poll_duration_seconds_count') - total(before, 'cri_exporter_poll_duration_seconds_count');
    assert.ok(polls >= 2, `${polls} polls while hung`);
    // One poll at a time: summed poll durations fit in the wall time (plus the poll in flight at t0).
    assert.ok(pollSeconds <= elapsed + TIMEOUT_MS / 1000, `${pollSeconds.toFixed(2)} s of polling in ${elapsed.toFixed(2)} s`);
    // Each hung poll lasts about one deadline (calls go out together), never more than two.
    assert.ok(pollSeconds / polls < (2 * TIMEOUT_MS) / 1000 + 0.1, `mean poll ${(pollSeconds / polls).toFixed(3)} s`);
    const hung = total(during, 'cri_exporter_cri_requests_total', /code="DEADLINE_EXCEEDED"/);
    assert.ok(hung >= polls, `${hung} calls ended at their deadline over ${polls} polls`);
    // All calls of the hung method finished within the deadline's histogram bucket (0.5 s > 300 ms).
    const under = total(during, 'cri_exporter_cri_request_duration_seconds_bucket', /method="Version".*le="0.5"|le="0.5".*method="Version"/);
    const all = total(during, 'cri_exporter_cri_request_duration_seconds_count', /method="Version"/);
    assert.equal(under, all, 'no Version call outlived its deadline');
    assert.deepEqual(await containers(), listed, 'last snapshot kept');

    rt.faults.hang = false;
    await waitUntil(lastPollOk, 10_000, () => 'did not recover');
  });
});
