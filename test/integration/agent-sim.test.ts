// The whole agent (serve, as main.ts wires it) against the simulated runtime
// in each profile, and against the faults a real runtime cannot be made to
// show on demand: down at start, hung calls, a failing stats call.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { serve } from '../../src/cli/serve.js';
import { loadConfig } from '../../src/config.js';
import { startSimRuntime, type SimRuntime } from '../../src/sim/server.js';
import { World } from '../../src/sim/world.js';
import { parseSamples, waitUntil } from '../e2e/harness/agent.js';

interface Running { server: FastifyInstance; close: () => Promise<void> }

async function agentFor(endpoint: string, extra: string[] = []): Promise<Running> {
  const config = loadConfig(['--runtime-endpoint', endpoint, '--listen', '127.0.0.1:0', '--poll-interval', '200ms', '--cri-timeout', '500ms', '--log-level', 'silent', ...extra], {});
  return serve(config);
}

const get = async (a: Running, url: string) => a.server.inject({ method: 'GET', url });
const runtimeOf = async (a: Running) => (await get(a, '/api/v1/runtime')).json() as { type: string; name: string; criApiVersion: string; lastPoll: { ok: boolean; errors: { part: string }[] } };

async function firstPoll(a: Running): Promise<void> {
  await waitUntil(async () => (await runtimeOf(a)).lastPoll.ok, 10_000, () => 'no successful poll');
}

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function sim(profile: 'containerd' | 'cri-o' | 'docker', opts: { pods?: number; v1alpha2Only?: boolean; socketPath?: string } = {}): Promise<SimRuntime> {
  const rt = await startSimRuntime({ profile, world: new World({ pods: opts.pods ?? 3, seed: 42 }), v1alpha2Only: opts.v1alpha2Only, socketPath: opts.socketPath });
  cleanup.push(() => rt.stop());
  return rt;
}

const EXPECTED_TYPE = { containerd: 'containerd', 'cri-o': 'cri-o', docker: 'docker' } as const;

for (const profile of ['containerd', 'cri-o', 'docker'] as const) {
  describe(`agent on the simulated ${profile}`, () => {
    it('lists every container with its pod, log path and runtime, and labels metrics with the runtime', async () => {
      const rt = await sim(profile);
      // The simulated docker runtime's IDs are made up: never ask a real Docker daemon about them.
      const agent = await agentFor(rt.endpoint, profile === 'docker' ? ['--docker-endpoint', `unix://${rt.socketPath}.no-docker`] : []);
      cleanup.push(agent.close);
      await firstPoll(agent);
      const items = (await get(agent, '/api/v1/containers')).json() as { id: string; logPath: string; pod: { name: string; uid: string }; runtime: { name: string }; writableLayer: { mergedDir: string; upperDir: string; source: string; complete: boolean }; logFormat: string }[];
      assert.equal(items.length, rt.world.containers().length);
      for (const c of items) {
        const simC = rt.world.container(c.id);
        assert.ok(simC, `unknown id ${c.id}`);
        assert.equal(c.runtime.name, EXPECTED_TYPE[profile]);
        assert.ok(c.logPath.startsWith('/var/log/pods/'), c.logPath);
        assert.ok(c.logPath.endsWith(`/${simC.name}/${simC.attempt}.log`), c.logPath);
        assert.equal(c.logFormat, profile === 'docker' ? 'docker-json' : 'cri');
        if (profile === 'cri-o') {
          assert.match(c.writableLayer.mergedDir, /^\/var\/lib\/containers\/storage\/overlay\/[0-9a-f]+\/merged$/);
          // containers/storage keeps the layer's upper dir beside its mount point.
          assert.equal(c.writableLayer.upperDir, c.writableLayer.mergedDir.replace(/merged$/, 'diff'));
          // From verbose info; not complete: the simulated PIDs have no mount table that could confirm it.
          assert.equal(c.writableLayer.source, 'crio-verbose');
          assert.equal(c.writableLayer.complete, false);
        }
      }
      const runtime = await runtimeOf(agent);
      assert.equal(runtime.type, EXPECTED_TYPE[profile]);
      const text = (await get(agent, '/metrics')).body;
      const cpu = parseSamples(text, 'container_cpu_usage_seconds_total');
      assert.equal(cpu.length, rt.world.containers().filter((c) => c.state === 'CONTAINER_RUNNING').length);
      assert.ok(cpu.every((s) => s.labels.runtime === EXPECTED_TYPE[profile]));
      assert.equal(parseSamples(text, 'cri_runtime_info')[0]?.labels.runtime, EXPECTED_TYPE[profile]);
    });
  });
}

describe('agent on a v1alpha2-only runtime', () => {
  it('negotiates down to runtime.v1alpha2 and serves the same data', async () => {
    const rt = await sim('containerd', { v1alpha2Only: true });
    const agent = await agentFor(rt.endpoint);
    cleanup.push(agent.close);
    await firstPoll(agent);
    assert.equal((await runtimeOf(agent)).criApiVersion, 'v1alpha2');
    assert.equal(((await get(agent, '/api/v1/containers')).json() as unknown[]).length, rt.world.containers().length);
  });
});

describe('agent with a runtime that is down at start', () => {
  it('starts not ready, then becomes ready when the runtime appears', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cri-late-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const socketPath = join(dir, 'late.sock');
    const agent = await agentFor(`unix://${socketPath}`);
    cleanup.push(agent.close);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await get(agent, '/healthz')).statusCode, 200);
    const notReady = await get(agent, '/readyz');
    assert.equal(notReady.statusCode, 503);
    assert.match(notReady.body, /not ready: no successful poll yet: .*UNAVAILABLE/);
    assert.match((await get(agent, '/metrics')).body, /^cri_exporter_up 0$/m);
    await sim('containerd', { socketPath });
    await waitUntil(async () => (await get(agent, '/readyz')).statusCode === 200, 15_000, () => 'never became ready');
    assert.match((await get(agent, '/metrics')).body, /^cri_exporter_up 1$/m);
  });
});

describe('agent with a runtime that hangs or fails parts', () => {
  it('ends a hung call at its deadline and keeps serving the last snapshot fast', async () => {
    const rt = await sim('containerd');
    const agent = await agentFor(rt.endpoint);
    cleanup.push(agent.close);
    await firstPoll(agent);
    const before = ((await get(agent, '/api/v1/containers')).json() as unknown[]).length;
    rt.faults.hang = new Set(['ListContainers']);
    await waitUntil(async () => !(await runtimeOf(agent)).lastPoll.ok, 5_000, () => 'poll did not fail on the hung call');
    const runtime = await runtimeOf(agent);
    assert.match(JSON.stringify(runtime.lastPoll.errors), /DEADLINE_EXCEEDED/);
    const started = process.hrtime.bigint();
    const res = await get(agent, '/api/v1/containers');
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal((res.json() as unknown[]).length, before, 'the last snapshot is still served');
    assert.ok(ms < 250, `served from the snapshot in ${ms} ms`);
    const metrics = (await get(agent, '/metrics')).body;
    assert.match(metrics, /^cri_exporter_up 0$/m);
    assert.match(metrics, /^cri_exporter_cri_requests_total\{method="ListContainers",code="DEADLINE_EXCEEDED"\} [1-9]/m);
    rt.faults.hang = false;
    await waitUntil(async () => (await runtimeOf(agent)).lastPoll.ok, 10_000, () => 'did not recover after the hang');
  });

  it('degrades only the network series when ListPodSandboxStats fails', async () => {
    const rt = await sim('containerd');
    rt.faults.fail = { ListPodSandboxStats: { code: GrpcStatus.UNKNOWN, message: 'failed to decode sandbox container metrics for sandbox "x": cgroups: cgroup deleted' } };
    const agent = await agentFor(rt.endpoint);
    cleanup.push(agent.close);
    await firstPoll(agent);
    const runtime = await runtimeOf(agent);
    assert.deepEqual(runtime.lastPoll.errors.map((e) => e.part), ['ListPodSandboxStats']);
    const text = (await get(agent, '/metrics')).body;
    assert.ok(parseSamples(text, 'container_cpu_usage_seconds_total').length > 0);
    assert.equal(parseSamples(text, 'container_network_receive_bytes_total').length, 0);
    assert.ok((parseSamples(text, 'cri_exporter_poll_errors_total').find((s) => s.labels.part === 'ListPodSandboxStats')?.value ?? 0) >= 1);
    assert.equal((await get(agent, '/readyz')).statusCode, 200, 'a degraded part does not make the agent unready');
  });

  it('calls ContainerStatus once per new container, not per poll', async () => {
    const rt = await sim('containerd', { pods: 5 });
    const agent = await agentFor(rt.endpoint);
    cleanup.push(agent.close);
    await firstPoll(agent);
    const polls = async () => parseSamples((await get(agent, '/metrics')).body, 'cri_exporter_poll_duration_seconds_count')[0]?.value ?? 0;
    const start = await polls();
    await waitUntil(async () => (await polls()) >= start + 3, 5_000, () => 'polls stalled');
    assert.equal(rt.calls.get('ContainerStatus'), rt.world.containers().length);
    assert.ok((rt.calls.get('ListContainers') ?? 0) >= 4);
  });
});
