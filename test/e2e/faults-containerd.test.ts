// Fault injection against a REAL containerd (rows 1 and 3 of the hardening
// matrix): the runtime restarted on a new socket inode, down for a while,
// and frozen with SIGSTOP. The agent runs as a CLI child process and is
// scraped throughout; it must never answer 5xx, keep serving its last
// snapshot, reconnect by itself and never restart.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startContainerd, type Containerd } from './harness/containerd.js';
import { e2eSkip } from './harness/preconditions.js';
import { connectRuntime, runPod, type RuntimeClient } from './harness/pods.js';
import { parseSamples, startAgent, waitUntil, type Agent } from './harness/agent.js';

const skip = e2eSkip('fault injection on containerd', ['containerd', 'runc', 'ctr']);
const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start time of a process in clock ticks since boot: the same PID with the same start time is the same process. */
function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

interface Scrape { at: number; status: number; up?: number; containers?: number; ms: number }

/** Scrapes /metrics and /api/v1/containers every 100 ms until stopped. */
function scrapeLoop(agent: Agent): { stop: () => Promise<Scrape[]> } {
  const results: Scrape[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const res = await agent.get('/metrics');
      const text = await res.text();
      const list = await agent.get('/api/v1/containers?namespace=faults');
      const items = list.ok ? ((await list.json()) as unknown[]).length : undefined;
      results.push({ at: Date.now(), status: Math.max(res.status, list.status), up: parseSamples(text, 'cri_exporter_up')[0]?.value, containers: items, ms: performance.now() - t0 });
      await sleep(100);
    }
  })();
  return { stop: async () => { running = false; await loop; return results; } };
}

describe('agent on a real containerd that restarts, goes away and hangs', { skip }, () => {
  let cd: Containerd;
  let cri: RuntimeClient;
  let agent: Agent;
  let agentStart: string;

  before(async () => {
    cd = await startContainerd();
    cri = connectRuntime(cd.endpoint);
    await runPod(cri, {
      name: 'steady', namespace: 'faults', uid: '00000000-0000-4000-8000-0000000000f1', logDir: cd.logDir,
      containers: [{ name: 'main', command: ['sh', '-c', 'exec sleep 100000'] }],
    });
    agent = await startAgent(['--runtime-endpoint', cd.endpoint, '--poll-interval', `${POLL_MS}ms`, '--cri-timeout', '1s']);
    agentStart = startTicks(agent.pid);
    await waitUntil(async () => (await agent.json<unknown[]>('/api/v1/containers?namespace=faults')).length === 1, 20_000, () => agent.output());
  });

  after(async () => {
    await agent?.stop();
    cri?.close();
    await cd?.stop();
  });

  it('row 1: restart on a new socket inode — reconnects within 2 poll intervals, no 5xx, same process', async () => {
    const identity = (st: { ino: number; birthtimeMs: number; ctimeMs: number }) => `${st.ino}/${st.birthtimeMs}/${st.ctimeMs}`;
    const socketBefore = identity(statSync(cd.socket));
    const loop = scrapeLoop(agent);
    try {
      await cd.restart();
    } catch (err) {
      await loop.stop();
      throw err;
    }
    const readyAt = Date.now();
    // The file system may hand out the freed inode number again; the new socket still has a new birth time.
    assert.notEqual(identity(statSync(cd.socket)), socketBefore, 'containerd made a new socket');
    const versionOk = async () => parseSamples(await agent.metrics(), 'cri_exporter_cri_requests_total')
      .filter((s) => s.labels.method === 'ListContainers' && s.labels.code === 'OK').reduce((n, s) => n + s.value, 0);
    const base = await versionOk();
    await waitUntil(async () => (await versionOk()) > base, 2 * POLL_MS + 500, () => `no successful poll within 2 intervals of containerd being ready:\n${agent.output()}`);
    const reconnectedAfter = Date.now() - readyAt;
    const scrapes = await loop.stop();
    assert.ok(scrapes.length > 5, `scraped ${scrapes.length} times`);
    assert.deepEqual(scrapes.filter((s) => s.status >= 500), [], 'no 5xx during the restart');
    assert.ok(scrapes.every((s) => s.containers === 1), 'the last snapshot is served throughout');
    assert.ok(reconnectedAfter <= 2 * POLL_MS + 500, `reconnected ${reconnectedAfter} ms after containerd was ready`);
    assert.equal(startTicks(agent.pid), agentStart, 'the agent process did not restart');
  });

  it('row 1: an outage of a few intervals — cri_exporter_up goes 0 then 1, /metrics never 5xx', async () => {
    const loop = scrapeLoop(agent);
    let scrapes: Scrape[];
    try {
      await cd.outage(4 * POLL_MS);
      await waitUntil(async () => parseSamples(await agent.metrics(), 'cri_exporter_up')[0]?.value === 1, 30_000, () => agent.output());
      await sleep(300);
    } finally {
      scrapes = await loop.stop();
    }
    const ups = scrapes.map((s) => s.up);
    const firstZero = ups.indexOf(0);
    assert.ok(firstZero >= 0, `cri_exporter_up never 0: ${ups.join(',')}`);
    assert.ok(ups.slice(firstZero).includes(1), `cri_exporter_up did not come back to 1: ${ups.join(',')}`);
    assert.deepEqual(scrapes.filter((s) => s.status >= 500), []);
    assert.ok(scrapes.every((s) => s.containers === 1), 'the last snapshot is served during the outage');
    assert.equal(startTicks(agent.pid), agentStart);
  });

  it('row 3: containerd frozen with SIGSTOP — calls end at their deadline, polls never overlap, scrapes stay fast', async () => {
    const before = await agent.metrics();
    const count = (text: string, name: string) => parseSamples(text, name)[0]?.value ?? 0;
    const deadlines = (text: string) => parseSamples(text, 'cri_exporter_cri_requests_total')
      .filter((s) => s.labels.code === 'DEADLINE_EXCEEDED').reduce((n, s) => n + s.value, 0);
    const t0 = Date.now();
    process.kill(cd.pid, 'SIGSTOP');
    try {
      await waitUntil(async () => deadlines(await agent.metrics()) > deadlines(before), 10_000, () => 'no call ended at its deadline');
      const latencies: number[] = [];
      for (let i = 0; i < 50; i++) {
        const s = performance.now();
        const res = await agent.get('/metrics');
        await res.text();
        latencies.push(performance.now() - s);
        assert.equal(res.status, 200);
      }
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1] as number;
      assert.ok(p99 < 50, `p99 of 50 scrapes ${p99.toFixed(1)} ms`);
      await sleep(3000);
      const during = await agent.metrics();
      const elapsed = (Date.now() - t0) / 1000;
      // Polls run one after another: their summed durations cannot exceed the wall time (plus the one in flight at t0).
      const sum = count(during, 'cri_exporter_poll_duration_seconds_sum') - count(before, 'cri_exporter_poll_duration_seconds_sum');
      assert.ok(sum <= elapsed + 1.5, `poll time ${sum.toFixed(2)} s in ${elapsed.toFixed(2)} s of wall time: polls overlapped`);
      assert.equal(count(during, 'cri_exporter_up'), 0);
      assert.equal((await agent.json<unknown[]>('/api/v1/containers?namespace=faults')).length, 1);
    } finally {
      process.kill(cd.pid, 'SIGCONT');
    }
    await waitUntil(async () => count(await agent.metrics(), 'cri_exporter_up') === 1, 20_000, () => `no recovery after SIGCONT:\n${agent.output()}`);
    assert.equal(startTicks(agent.pid), agentStart);
  });
});
