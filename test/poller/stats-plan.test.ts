// Which stats calls each poll makes: probe, then the pods' answer alone while
// it carries every container, back to probing on any sign that it does not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuntimeSource } from '../../src/cri/source.js';
import type { ContainerState, ContainerUsage, PodSandboxUsage } from '../../src/cri/types.js';
import { REPROBE_AFTER_POLLS, StatsPlan, type StatsAnswers } from '../../src/poller/stats-plan.js';

const usage = (id: string): ContainerUsage => ({ id, timestamp: 1, cpuUsageCoreNanoSeconds: id.length });
const pod = (id: string, containers: ContainerUsage[]): PodSandboxUsage => ({ id, timestamp: 1, interfaces: [], containers });
const listed = (id: string, state: ContainerState = 'running') => ({ id, state });
/** The usage map a snapshot built from these answers would hold. */
const usageOf = (s: StatsAnswers) => new Map(s.containers.status === 'fulfilled' ? s.containers.value.map((u) => [u.id, u]) : []);

/** A runtime whose stats answers the test sets; it records every stats call as it is made. */
class FakeStats {
  flat: ContainerUsage[] = [usage('a'), usage('b')];
  pods: PodSandboxUsage[] = [pod('p1', [usage('a')]), pod('p2', [usage('b')])];
  podsFail = false;
  calls: string[] = [];
  inFlightPodStats = 0;

  get source(): RuntimeSource {
    const unused = () => Promise.reject(new Error('not used here'));
    return {
      apiVersion: 'v1', version: unused, status: unused, listPodSandboxes: unused, listContainers: unused, containerStatus: unused,
      podSandboxStatus: unused, imageFsInfo: unused, listImages: unused, resetNegotiation: () => undefined, takeReconnect: () => false,
      listContainerStats: async () => {
        this.calls.push('ListContainerStats');
        return this.flat;
      },
      listPodSandboxStats: async (withContainers: boolean) => {
        this.calls.push(withContainers ? 'ListPodSandboxStats+containers' : 'ListPodSandboxStats');
        assert.equal(++this.inFlightPodStats, 1, 'never two pod stats calls at once');
        await new Promise((r) => setImmediate(r));
        this.inFlightPodStats--;
        if (this.podsFail) throw new Error('failed to obtain metrics for sandbox');
        return withContainers ? this.pods : this.pods.map((p) => ({ ...p, containers: [] }));
      },
    };
  }

  take(): string[] {
    const c = this.calls;
    this.calls = [];
    return c.sort();
  }
}

const ids = (r: PromiseSettledResult<readonly ContainerUsage[]>) => (r.status === 'fulfilled' ? r.value.map((u) => u.id) : r.reason);

describe('StatsPlan', () => {
  it('probes with both calls, then asks the pods\' answer alone and takes the containers\' figures from it', async () => {
    const rt = new FakeStats();
    const plan = new StatsPlan();
    const first = await plan.ask(rt.source, false);
    assert.deepEqual(rt.take(), ['ListContainerStats', 'ListPodSandboxStats+containers']);
    assert.deepEqual(ids(first.containers), ['a', 'b'], 'the probe serves ListContainerStats\'s rows');
    assert.equal(plan.nested, true);
    for (let i = 0; i < 3; i++) {
      const next = await plan.ask(rt.source, false);
      plan.review([listed('a'), listed('b'), listed('x', 'exited')], usageOf(next));
      assert.equal(plan.nested, true, 'an exited container without figures is no sign');
      assert.deepEqual(rt.take(), ['ListPodSandboxStats+containers'], 'one stats call per poll');
      assert.deepEqual(ids(next.containers), ['a', 'b']);
      assert.equal(next.pods.status === 'fulfilled' && next.pods.value.length, 2);
    }
  });

  it('asks ListContainerStats alone while the host gives the pods\' figures, whatever it learned', async () => {
    const rt = new FakeStats();
    const plan = new StatsPlan();
    await plan.ask(rt.source, false);
    rt.take();
    const s = await plan.ask(rt.source, true);
    assert.deepEqual(rt.take(), ['ListContainerStats']);
    assert.deepEqual(s.pods, { status: 'fulfilled', value: [] });
    await plan.ask(rt.source, false);
    assert.deepEqual(rt.take(), ['ListPodSandboxStats+containers'], 'still nested when the host stops covering the pods');
  });

  it('keeps both calls, without decoding the pods\' container rows, when they miss a container; probes again later', async () => {
    const rt = new FakeStats();
    rt.flat = [usage('a'), usage('b'), usage('exited-one')];
    const plan = new StatsPlan();
    await plan.ask(rt.source, false);
    rt.take();
    assert.equal(plan.nested, false);
    for (let i = 0; i < REPROBE_AFTER_POLLS; i++) {
      const s = await plan.ask(rt.source, false);
      assert.deepEqual(rt.take(), ['ListContainerStats', 'ListPodSandboxStats'], `poll ${i}`);
      assert.deepEqual(ids(s.containers), ['a', 'b', 'exited-one']);
    }
    rt.flat = [usage('a'), usage('b')];
    await plan.ask(rt.source, false);
    assert.deepEqual(rt.take(), ['ListContainerStats', 'ListPodSandboxStats+containers'], 'a probe once the wait is over');
    assert.equal(plan.nested, true);
  });

  it('keeps both calls when the pods\' rows lack a figure that ListContainerStats has, or name another layer', async () => {
    const layer = (mountpoint: string) => ({ mountpoint, usedBytes: 1 });
    const cases: [string, ContainerUsage, ContainerUsage][] = [
      ['memory', { ...usage('a'), memoryWorkingSetBytes: 5 }, usage('a')],
      ['writable layer', { ...usage('a'), writableLayer: layer('/l/a') }, usage('a')],
      ['layer mountpoint', { ...usage('a'), writableLayer: layer('/l/a') }, { ...usage('a'), writableLayer: layer('') }],
      ['another layer', { ...usage('a'), writableLayer: layer('/l/a') }, { ...usage('a'), writableLayer: layer('/l/b') }],
    ];
    for (const [what, flat, nested] of cases) {
      const rt = new FakeStats();
      rt.flat = [flat];
      rt.pods = [pod('p1', [nested])];
      const plan = new StatsPlan();
      await plan.ask(rt.source, false);
      assert.equal(plan.nested, false, what);
    }
    const rt = new FakeStats();
    rt.flat = [{ ...usage('a'), writableLayer: layer('/l/a') }];
    rt.pods = [pod('p1', [{ ...usage('a'), memoryUsageBytes: 9, writableLayer: { ...layer('/l/a'), usedBytes: 2 } }])];
    const plan = new StatsPlan();
    await plan.ask(rt.source, false);
    assert.equal(plan.nested, true, 'more figures and other values are fine');
  });

  it('probes again after reset (the runtime came back)', async () => {
    const rt = new FakeStats();
    const plan = new StatsPlan();
    await plan.ask(rt.source, false);
    plan.reset();
    rt.take();
    await plan.ask(rt.source, false);
    assert.deepEqual(rt.take(), ['ListContainerStats', 'ListPodSandboxStats+containers']);
  });

  it('does not take an empty node as nesting', async () => {
    const rt = new FakeStats();
    rt.flat = [];
    rt.pods = [];
    const plan = new StatsPlan();
    await plan.ask(rt.source, false);
    assert.equal(plan.nested, false);
  });

  it('makes a failed pods\' answer good with ListContainerStats in the same poll, and probes next', async () => {
    const rt = new FakeStats();
    const plan = new StatsPlan();
    await plan.ask(rt.source, false);
    rt.take();
    rt.podsFail = true;
    const s = await plan.ask(rt.source, false);
    assert.deepEqual(rt.take(), ['ListContainerStats', 'ListPodSandboxStats+containers']);
    assert.deepEqual(ids(s.containers), ['a', 'b'], 'container figures despite the failure');
    assert.equal(s.pods.status, 'rejected', 'the failure is reported');
    assert.equal(plan.nested, false);
    await plan.ask(rt.source, false);
    assert.deepEqual(rt.take(), ['ListContainerStats', 'ListPodSandboxStats+containers'], 'a probe (that fails again: no nesting learned)');
    assert.equal(plan.nested, false);
    rt.podsFail = false;
    await plan.ask(rt.source, false);
    assert.equal(plan.nested, true, 'nested again once the pods\' answer covers the containers');
  });

  it('probes again when a running container has no row in the pods\' answer', async () => {
    const rt = new FakeStats();
    const plan = new StatsPlan();
    const probe = await plan.ask(rt.source, false);
    plan.review([listed('a'), listed('b'), listed('new')], usageOf(probe));
    assert.equal(plan.nested, true, 'figures from ListContainerStats say nothing about the pods\' answer');
    const s = await plan.ask(rt.source, false);
    plan.review([listed('a'), listed('b'), listed('new')], usageOf(s));
    assert.equal(plan.nested, false);
    rt.take();
    await plan.ask(rt.source, false);
    assert.deepEqual(rt.take(), ['ListContainerStats', 'ListPodSandboxStats+containers']);
  });
});
