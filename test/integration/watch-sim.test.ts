// The whole agent (serve, as main.ts wires it) against the simulated runtime:
// runtime changes reach /api/v1/watch within a poll, a client that
// reconnects with Last-Event-ID gets what it missed, and discovery keeps a
// removed container for --removed-grace.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serve } from '../../src/cli/serve.js';
import { loadConfig } from '../../src/config.js';
import { startSimRuntime, type SimRuntime } from '../../src/sim/server.js';
import { World } from '../../src/sim/world.js';
import { waitUntil } from '../e2e/harness/agent.js';
import { decodeHttpSd } from '../fixtures/http-sd.js';
import { openSse, type ReceivedEvent } from '../fixtures/sse-client.js';

const idOf = (e: ReceivedEvent) => (JSON.parse(e.data) as { id: string }).id;

describe('watch and discovery on the simulated runtime', () => {
  let rt: SimRuntime;
  let agent: Awaited<ReturnType<typeof serve>>;
  let base: string;
  let logRoot: string;

  before(async () => {
    // The simulated runtime reports log paths but writes no files: discovery
    // drops a removed container whose file it sees gone, so give them files.
    logRoot = await mkdtemp(join(tmpdir(), 'cri-watch-sim-'));
    const world = new World({ pods: 2, seed: 7, logRoot });
    for (const c of world.containers()) {
      const path = join(world.pod(c.podId)?.logDirectory ?? '', c.logPath);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, '');
    }
    rt = await startSimRuntime({ profile: 'containerd', world });
    agent = await serve(loadConfig(['--runtime-endpoint', rt.endpoint, '--listen', '127.0.0.1:0', '--poll-interval', '200ms', '--log-level', 'silent', '--removed-grace', '1m'], {}));
    const addr = agent.server.server.address();
    assert.ok(addr !== null && typeof addr === 'object');
    base = `http://127.0.0.1:${addr.port}`;
    await waitUntil(async () => ((await (await fetch(`${base}/api/v1/containers`)).json()) as unknown[]).length === rt.world.containers().length,
      10_000, () => 'first poll');
  });
  after(async () => {
    await agent?.close();
    await rt?.stop();
    await rm(logRoot, { recursive: true, force: true });
  });

  it('streams changes within a poll and replays what a reconnecting client missed', async () => {
    const client = await openSse(`${base}/api/v1/watch`);
    const initial = await client.waitFor((e) => e.id !== undefined, 5000, 'the starting state');
    assert.equal(client.events.length, rt.world.containers().length);
    assert.ok(initial.id);

    const [first, second] = rt.world.containers();
    assert.ok(first && second);
    const from = client.events.length;
    const restarted = rt.world.restartContainer(first.id);
    const added = await client.waitFor((e) => e.event === 'added' && idOf(e) === restarted.id, 3000, 'added for the new attempt', from);
    const modified = await client.waitFor((e) => e.event === 'modified' && idOf(e) === first.id, 3000, 'modified for the exited attempt', from);
    assert.equal((JSON.parse(modified.data) as { state: string }).state, 'exited');
    assert.ok(added.id);

    await client.waitFor((e) => e.id === client.lastEventId() && client.events.length >= from + 2, 1000, 'settled');
    const last = client.lastEventId() as string;
    client.close();
    rt.world.removeContainer(second.id);
    await waitUntil(async () => {
      const listed = (await (await fetch(`${base}/api/v1/containers`)).json()) as { id: string }[];
      return !listed.some((c) => c.id === second.id);
    }, 5000, () => 'removal not polled');

    const again = await openSse(`${base}/api/v1/watch`, { 'last-event-id': last });
    const removed = await again.waitFor((e) => e.event === 'removed', 3000, 'the missed removal');
    assert.equal(idOf(removed), second.id);
    assert.ok(again.events.every((e) => e.event !== 'resync'));
    again.close();

    const groups = decodeHttpSd(await (await fetch(`${base}/api/v1/discovery/logs`)).text());
    const kept = groups.find((g) => g.labels.__meta_cri_container_id === second.id);
    assert.ok(kept, 'a removed container stays discoverable during --removed-grace');
    assert.equal(kept.labels.__meta_cri_state, 'exited');
  });
});
