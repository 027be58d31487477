import assert from 'node:assert/strict';
import { cpSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { buildSnapshot } from '../../src/poller/build.js';
import { CgroupStep, cgroupStep } from '../../src/poller/cgroup-step.js';
import type { PodHostFigures, Snapshot } from '../../src/poller/snapshot.js';
import { pollResults, webApp, WEB_UID } from '../fixtures/poll-results.js';
import { FIXTURES, tempDir, v1Root } from './fixtures.js';

const snapshot = () => buildSnapshot(pollResults(), { seq: 1, now: 1_700_000_500, lastSuccessAt: 0 });
const WEB_APP_REL = `kubepods/burstable/pod${WEB_UID}/${webApp.id}`;

function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  return { lines, info: (_: object, msg: string) => lines.push({ level: 'info', msg }), warn: (_: object, msg: string) => lines.push({ level: 'warn', msg }) };
}

/** What the step read of the pod of that name. */
function hostOf(s: Snapshot, name: string): PodHostFigures | undefined {
  const pod = s.pods.find((p) => p.name === name);
  return pod === undefined ? undefined : s.podHost.get(pod.id);
}

describe('the cgroup poll step', () => {
  let tmp: ReturnType<typeof tempDir>;
  let root: string;
  let proc: string;
  beforeEach(() => {
    tmp = tempDir();
    root = join(tmp.dir, 'cgroup');
    proc = join(tmp.dir, 'proc');
    v1Root(root, 'v1/throttled', WEB_APP_REL);
    mkdirSync(proc);
    cpSync(join(FIXTURES, 'proc'), proc, { recursive: true });
  });
  afterEach(() => tmp.remove());

  const step = (logger = recordingLogger()) => new CgroupStep({ cgroupRoot: root, hostProc: proc, logger, sysDevBlock: join(tmp.dir, 'none') });

  it('adds cgroup stats to running containers and interfaces to their pods', async () => {
    mkdirSync(join(proc, '1', 'net'), { recursive: true });
    writeFileSync(join(proc, '1', 'net', 'dev'), 'h\nh\n eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n');
    const before = snapshot();
    const s = await step().apply(before);
    const app = s.cgroups.get(webApp.id);
    assert.equal(app?.cfsThrottledPeriods, 39);
    assert.deepEqual(app?.io.map((d) => d.device), ['/dev/vda']);
    assert.ok(Object.isFrozen(s) && Object.isFrozen(app) && Object.isFrozen(app?.io[0]), 'the snapshot stays immutable');
    // The exited container is not read; the database container has no cgroup here: no stats, no error.
    assert.deepEqual(s.containers.filter((c) => s.cgroups.has(c.id)).map((c) => c.name), ['app']);
    assert.deepEqual([...s.cgroups.keys()], [webApp.id], 'figures only for the containers read');
    assert.deepEqual(s.errors, []);
    assert.deepEqual(hostOf(s, 'web-7d9f8-abcde')?.netDev?.map((i) => [i.name, i.rxPackets, i.txPackets]), [['eth0', 11, 7]]);
    assert.ok(Object.isFrozen(hostOf(s, 'web-7d9f8-abcde')?.netDev?.[0]));
    assert.equal(hostOf(s, 'db-0')?.netDev, undefined);
    assert.equal(s.pods, before.pods, 'the pods themselves stay as CRI listed them');
    assert.equal(s.containers, before.containers, 'and so do the containers');
  });

  it('counts a pod\'s processes from its own cgroup and says when every ready pod is covered', async () => {
    const podRel = WEB_APP_REL.slice(0, WEB_APP_REL.lastIndexOf('/'));
    mkdirSync(join(root, 'pids', podRel), { recursive: true });
    writeFileSync(join(root, 'pids', 'cgroup.procs'), '1\n');
    writeFileSync(join(root, 'pids', podRel, 'pids.current'), '5\n');
    const run = cgroupStep({ cgroupRoot: root, hostProc: proc, logger: recordingLogger(), sysDevBlock: join(tmp.dir, 'none') });
    const s = await run.apply(snapshot());
    assert.equal(hostOf(s, 'web-7d9f8-abcde')?.processes, 5);
    // The database pod's cgroup is not on this host: not covered, so the poll keeps asking the runtime.
    assert.equal(hostOf(s, 'db-0')?.processes, undefined);
    assert.equal(run.coversPods(), false);
    const webOnly = { ...snapshot(), pods: snapshot().pods.filter((p) => p.name === 'web-7d9f8-abcde') };
    await run.apply(webOnly);
    assert.equal(run.coversPods(), true);
    writeFileSync(join(root, 'pids', podRel, 'pids.current'), 'lots\n');
    const bad = await run.apply(webOnly);
    assert.match(bad.errors.map((e) => e.message).join('\n'), /pod shop\/web-7d9f8-abcde: .*pids\.current: expected an integer/);
    assert.equal(run.coversPods(), false);
  });

  it('reads the pod network through the PID the runtime reports, with no cgroup.procs to see', async () => {
    mkdirSync(join(proc, '1', 'net'), { recursive: true });
    writeFileSync(join(proc, '1', 'net', 'dev'), 'h\nh\n eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n');
    // As inside a pod without hostPID: the cgroup lists no process the agent can see.
    writeFileSync(join(root, 'memory', WEB_APP_REL, 'cgroup.procs'), '');
    mkdirSync(join(proc, '4242', 'net'), { recursive: true });
    writeFileSync(join(proc, '4242', 'net', 'dev'), 'h\nh\n eth0: 100 5 0 1 0 0 0 0 200 4 0 2 0 0 0 0\n');
    const base = snapshot();
    const withPid = { ...base, containers: base.containers.map((c) => (c.id === webApp.id ? { ...c, pid: 4242 } : c)) };
    const s = await step().apply(withPid);
    assert.deepEqual(hostOf(s, 'web-7d9f8-abcde')?.netDev?.map((i) => [i.name, i.rxPackets, i.txPackets, i.rxDropped, i.txDropped]), [['eth0', 5, 4, 1, 2]]);
  });

  it('leaves out the interfaces of a pod in the host network namespace', async () => {
    // procfs shows one net/dev entry (one inode) per network namespace.
    mkdirSync(join(proc, '1', 'net'), { recursive: true });
    linkSync(join(proc, '21208', 'net', 'dev'), join(proc, '1', 'net', 'dev'));
    const s = await step().apply(snapshot());
    assert.equal(hostOf(s, 'web-7d9f8-abcde')?.netDev, undefined);
  });

  it('takes the runtime\'s PID in the host network namespace as the pod\'s answer, without reading cgroup.procs', async () => {
    mkdirSync(join(proc, '1', 'net'), { recursive: true });
    writeFileSync(join(proc, '1', 'net', 'dev'), 'h\nh\n eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n');
    mkdirSync(join(proc, '4242', 'net'), { recursive: true });
    linkSync(join(proc, '1', 'net', 'dev'), join(proc, '4242', 'net', 'dev'));
    // cgroup.procs still names 21208, whose net/dev is a namespace of its own: it must not be consulted.
    const base = snapshot();
    const withPid = { ...base, containers: base.containers.map((c) => (c.id === webApp.id ? { ...c, pid: 4242 } : c)) };
    const s = await step().apply(withPid);
    assert.equal(hostOf(s, 'web-7d9f8-abcde')?.netDev, undefined);
  });

  it('counts files that fail in the poll errors, by part', async () => {
    writeFileSync(join(root, 'memory', WEB_APP_REL, 'memory.limit_in_bytes'), 'unlimited\n');
    writeFileSync(join(proc, '21208', 'net', 'dev'), 'h\nh\n eth0: 1 2\n');
    const s = await step().apply(snapshot());
    assert.deepEqual(s.errors.map((e) => e.part), ['cgroup', 'netdev']);
    assert.match(s.errors[0]?.message ?? '', new RegExp(`container ${webApp.id}: .*memory\\.limit_in_bytes: expected an integer`));
    assert.match(s.errors[1]?.message ?? '', /pod shop\/web-7d9f8-abcde: .*net\/dev: malformed/);
    assert.equal(s.cgroups.get(webApp.id)?.memoryLimitBytes, undefined);
  });

  it('gives the event loop a turn between containers when their reading outlasts a slice', async () => {
    const sliced = new CgroupStep({ cgroupRoot: root, hostProc: proc, logger: recordingLogger(), sysDevBlock: join(tmp.dir, 'none'), sliceMillis: 0 });
    await sliced.apply(snapshot()); // the first poll also detects the layout, which turns the loop by itself
    let turns = 0;
    let done = false;
    const count = () => { turns++; if (!done) setImmediate(count); };
    setImmediate(count);
    const s = await sliced.apply(snapshot());
    done = true;
    const running = s.containers.filter((c) => c.state === 'running').length;
    assert.ok(running > 1);
    assert.ok(turns >= running, `${turns} turns for ${running} running containers`);
    assert.equal(s.cgroups.get(webApp.id)?.cfsThrottledPeriods, 39);
  });

  it('without a cgroup mount, warns once and leaves the snapshot as CRI made it', async () => {
    const logger = recordingLogger();
    const missing = new CgroupStep({ cgroupRoot: join(tmp.dir, 'no-cgroup'), hostProc: proc, logger });
    const first = snapshot();
    assert.equal(await missing.apply(first), first);
    await missing.apply(snapshot());
    assert.deepEqual(logger.lines.map((l) => l.level), ['warn']);
    assert.match(logger.lines[0]?.msg ?? '', /--host-cgroup-root/);
  });

  it('never fails the poll', async () => {
    const run = cgroupStep({ cgroupRoot: root, hostProc: proc, logger: recordingLogger() });
    const broken = { ...snapshot(), containers: null } as unknown as ReturnType<typeof snapshot>;
    const s = await run.apply(broken);
    assert.equal(s.errors.at(-1)?.part, 'cgroup');
    assert.equal(run.coversPods(), false, 'a failed step covers nothing');
  });
});
