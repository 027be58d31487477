// Row 4: answers larger than gRPC's 4 MiB default. Up to --cri-max-message-size
// (16 MiB by default) they are read; above it the call fails with
// RESOURCE_EXHAUSTED, counted, and the previous snapshot stays served.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SimRuntime } from '../../src/sim/server.js';
import { waitUntil } from '../e2e/harness/agent.js';
import { agentOn, firstPoll, lastPollOk, simRuntime, text, total, type InProcessAgent } from './helpers.js';

const MiB = 1024 * 1024;
const PADDING_ID = 'f'.repeat(64);

describe('row 4: oversized runtime answers', () => {
  let rt: SimRuntime;
  const agents: InProcessAgent[] = [];
  after(async () => {
    for (const a of agents) await a.close();
    await rt?.stop();
  });

  const ids = async (a: InProcessAgent) => ((await a.server.inject({ method: 'GET', url: '/api/v1/containers' })).json() as { id: string }[]).map((c) => c.id);

  for (const size of [4.1 * MiB, 15 * MiB]) {
    it(`reads a ${(size / MiB).toFixed(1)} MiB ListContainers answer with the default limit`, async () => {
      rt ??= await simRuntime(3);
      rt.faults.oversizeBytes = Math.floor(size);
      const agent = await agentOn(rt.endpoint, ['--poll-interval', '500ms', '--cri-timeout', '5s']);
      agents.push(agent);
      await firstPoll(agent);
      assert.ok((await ids(agent)).includes(PADDING_ID), 'the padded container was listed');
      assert.equal(total(await text(agent), 'cri_exporter_cri_requests_total', /RESOURCE_EXHAUSTED/), 0);
      await agent.close();
      agents.pop();
    });
  }

  it('counts RESOURCE_EXHAUSTED above --cri-max-message-size and keeps the previous snapshot', async () => {
    rt ??= await simRuntime(3);
    rt.faults.oversizeBytes = 0;
    const agent = await agentOn(rt.endpoint, ['--poll-interval', '300ms', '--cri-max-message-size', String(8 * MiB)]);
    agents.push(agent);
    await firstPoll(agent);
    const before = await ids(agent);
    rt.faults.oversizeBytes = 9 * MiB;
    await waitUntil(async () => total(await text(agent), 'cri_exporter_cri_requests_total', /method="ListContainers",code="RESOURCE_EXHAUSTED"/) >= 2,
      10_000, () => 'no RESOURCE_EXHAUSTED counted');
    assert.equal(await lastPollOk(agent), false);
    assert.deepEqual(await ids(agent), before, 'the previous snapshot is still served');
    const metrics = await text(agent);
    assert.match(metrics, /^cri_exporter_up 0$/m);
    assert.ok(total(metrics, 'container_cpu_usage_seconds_total') > 0, 'container series are still served');
    rt.faults.oversizeBytes = 0;
    await waitUntil(() => lastPollOk(agent), 10_000, () => 'did not recover once answers were small again');
  });
});
