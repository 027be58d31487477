// Row 2: the runtime is absent when the agent starts. It must start, report
// alive but not ready, not crash, and retry at a bounded rate: no busy loop
// while the runtime stays away.
//
// The window is 20 s rather than 60 s: with --poll-interval 1s the retry
// backoff (1, 1, 2, 4, 8, 16 s, capped at 30 s) has reached its long waits
// well inside 20 s, so a longer window only measures more of the same idle
// waiting.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { get, spawnAgent, type AgentProcess } from '../fixtures/agent-process.js';
import { total } from './helpers.js';

const WINDOW_MS = 20_000;

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return ticks / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
}

describe('row 2: runtime absent at start', () => {
  let dir: string;
  let agent: AgentProcess | undefined;
  after(async () => {
    await agent?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is alive, not ready, does not crash, and retries cheaply', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'cri-absent-'));
    const a = await spawnAgent(['--runtime-endpoint', `unix://${join(dir, 'never.sock')}`, '--poll-interval', '1s', '--cri-timeout', '1s', '--log-level', 'warn']);
    agent = a;
    await new Promise((r) => setTimeout(r, 2000)); // let start-up (module loading, JIT) settle
    assert.equal((await get(`${a.url}/healthz`)).status, 200);
    const ready = await get(`${a.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(ready.body, /no successful poll yet/);
    const attempts = async () => total((await get(`${a.url}/metrics`)).body, 'cri_exporter_poll_duration_seconds_count');
    const pollsBefore = await attempts();
    const cpuBefore = await cpuSeconds(a.pid);
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const cpu = (await cpuSeconds(a.pid)) - cpuBefore;
    const polls = (await attempts()) - pollsBefore;
    // A retry loop without backoff burns a whole core; a bounded one is idle
    // but for the process's own baseline (timers, the event-loop monitor),
    // which this VM's accounting puts anywhere from 3% to 8% of a core. The
    // bound tells the two apart; the agent's idle cost itself is the
    // benchmark's to measure (docs/benchmarks.md).
    assert.ok(cpu / (WINDOW_MS / 1000) < 0.2, `agent used ${((100 * cpu) / (WINDOW_MS / 1000)).toFixed(2)}% of a core`);
    assert.ok(polls <= WINDOW_MS / 1000 + 1, `${polls} attempts in ${WINDOW_MS / 1000} s: retries are not bounded by the interval`);
    assert.ok(polls >= 2, `${polls} attempts: it keeps retrying`);
    assert.equal(a.child.exitCode, null, 'still running');
    assert.equal((await get(`${a.url}/healthz`)).status, 200);
    assert.equal((await get(`${a.url}/readyz`)).status, 503);
  });
});
