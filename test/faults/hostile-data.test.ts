// Row 6: a runtime that sends garbage. Label values with quotes, newlines,
// unicode and 10 KB; missing metadata; zero timestamps; counters that go
// backwards; duplicate and malformed IDs. The exposition must still parse
// (promtool check metrics), hold no NaN or negative value, and the bad items
// must be dropped and counted in cri_exporter_invalid_items_total.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { SimRuntime } from '../../src/sim/server.js';
import { waitUntil } from '../e2e/harness/agent.js';
import { checkMetrics } from '../e2e/harness/promtool.js';
import { agentOn, firstPoll, samples, simRuntime, text, total, type InProcessAgent } from './helpers.js';

type Raw = Record<string, unknown>;
const HOSTILE = 'say "hi"\\ \nnew line\ttab ünïcødé 🚀 ' + 'x'.repeat(10 * 1024);

/** Container stats whose CPU goes backwards every other poll (uint64, so never negative on the wire), the first row twice. */
function backwardsWithDuplicate(rows: Raw[], n: number): Raw[] {
  const stats = rows.map((s) => {
    const cpu = s.cpu as Raw | undefined;
    return cpu ? { ...s, cpu: { ...cpu, timestamp: '0', usageCoreNanoSeconds: { value: String(n % 2 === 0 ? 5_000_000_000 : 1_000) } } } : s;
  });
  return [...stats, ...(stats[0] ? [stats[0]] : [])];
}

/** Rewrites answers the way a buggy or hostile runtime might. */
function hostile(poll: { n: number }) {
  return (rpc: string, answer: Raw): Raw => {
    if (rpc === 'ListContainers') {
      poll.n++; // once per poll
      const list = (answer.containers as Raw[]).map((c, i) => (i === 0 ? {
        ...c, labels: { ...(c.labels as Raw), 'io.kubernetes.container.name': HOSTILE, 'io.kubernetes.pod.name': HOSTILE }, image: { image: HOSTILE },
      } : c));
      const first = list[0] as Raw;
      return {
        containers: [
          ...list,
          { ...first }, // duplicate ID
          { ...first, id: 'bad/../id' }, // would climb out of a URL or path
          { ...first, id: 'line\nbreak' },
          { id: 'a'.repeat(64), podSandboxId: 'no-such-sandbox', state: 'CONTAINER_RUNNING', createdAt: '0' }, // no metadata, zero time
        ],
      };
    }
    if (rpc === 'ListContainerStats') {
      return { stats: backwardsWithDuplicate(answer.stats as Raw[], poll.n) };
    }
    if (rpc === 'ListPodSandboxStats') {
      // The same rows again inside the pods, where the agent takes them from once it has seen that they are there.
      return {
        stats: (answer.stats as Raw[]).map((p, i) => {
          const linux = p.linux as Raw | undefined;
          return linux && i === 0 ? { ...p, linux: { ...linux, containers: backwardsWithDuplicate(linux.containers as Raw[], poll.n) } } : p;
        }),
      };
    }
    if (rpc === 'ListPodSandbox') {
      const items = answer.items as Raw[];
      return { items: [...items, ...(items[0] ? [{ ...items[0] }, { ...items[0], id: '' }, { ...items[0], id: 'x y' }] : [])] };
    }
    if (rpc === 'ContainerStatus') {
      const status = answer.status as Raw;
      return { ...answer, status: { ...status, metadata: null, startedAt: '0', finishedAt: '0', labels: { ...(status.labels as Raw), quote: '"' } } };
    }
    return answer;
  };
}

describe('row 6: hostile data from the runtime', () => {
  let rt: SimRuntime;
  let agent: InProcessAgent;
  after(async () => {
    await agent?.close();
    await rt?.stop();
  });

  it('skips and counts bad items, and serves an exposition promtool accepts with no NaN or negative value', async () => {
    rt = await simRuntime(3);
    rt.faults.rewrite = hostile({ n: 0 });
    agent = await agentOn(rt.endpoint, ['--poll-interval', '150ms']);
    await firstPoll(agent);
    await waitUntil(async () => total(await text(agent), 'cri_exporter_poll_duration_seconds_count') >= 4, 10_000, () => 'fewer than 4 polls');
    const metrics = await text(agent);

    // prom-client's own nodejs_eventloop_lag_* read NaN when scraped twice within its 10 ms sampling resolution
    // (as this test does); they do not come from the runtime, so they are left out here.
    for (const s of samples(metrics).filter((x) => !x.name.startsWith('nodejs_eventloop_lag'))) {
      assert.ok(!Number.isNaN(s.value), `NaN: ${s.line.slice(0, 200)}`);
      assert.ok(s.value >= 0, `negative: ${s.line.slice(0, 200)}`);
    }
    const invalid = (kind: string, reason: string) => total(metrics, 'cri_exporter_invalid_items_total', new RegExp(`kind="${kind}",reason="${reason}"`));
    assert.ok(invalid('container', 'duplicate_id') >= 4, 'duplicate containers counted every poll');
    assert.ok(invalid('container', 'bad_id') >= 8, 'malformed container IDs counted');
    assert.ok(invalid('container_stats', 'duplicate_id') >= 4);
    assert.ok(invalid('sandbox', 'duplicate_id') >= 4);
    assert.ok(invalid('sandbox', 'bad_id') >= 4, 'a sandbox ID with a space is counted (the empty one is dropped at conversion)');

    const items = (await agent.server.inject({ method: 'GET', url: '/api/v1/containers' })).json() as { id: string; name: string }[];
    const ids = items.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicate IDs listed');
    assert.ok(!ids.some((id) => id.includes('/') || id.includes('\n')), 'malformed IDs are not listed');
    assert.ok(ids.includes('a'.repeat(64)), 'a container without metadata is still listed');
    assert.ok(items.some((c) => c.name === HOSTILE), 'the hostile name is kept verbatim in JSON');

    const series = samples(metrics).filter((s) => s.name === 'container_cpu_usage_seconds_total').map((s) => s.labels);
    assert.equal(new Set(series).size, series.length, 'no duplicate series');

    if (existsSync('/usr/bin/promtool')) {
      const result = await checkMetrics(metrics);
      assert.ok(result.ok, result.problems.join('\n'));
    } else if (process.env.CI === 'true') {
      assert.fail('promtool is missing in CI');
    }
  });
});
