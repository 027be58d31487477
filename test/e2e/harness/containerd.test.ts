// Smoke test of the e2e harness itself: a private containerd runs a real pod,
// CRI reports it, its log lands where the kubelet layout says, and stop()
// leaves no process, mount or directory behind.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { test } from 'node:test';
import { isRunning, withContainerd } from './containerd.js';
import { connectRuntime, containerLogPath, criCall, runPod } from './pods.js';
import { e2eSkip } from './preconditions.js';

const skip = e2eSkip('containerd harness', ['containerd', 'runc', 'ctr']);

interface StatusResponse {
  status: { state: string; logPath: string };
  info: Record<string, string>;
}

async function eventually<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await get();
      if (ok(v)) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a private containerd runs a pod and stop() leaves nothing behind', { skip, timeout: 120_000 }, async () => {
  let dir = '';
  const pids = await withContainerd(async (cd) => {
    dir = cd.dir;
    const client = connectRuntime(cd.endpoint);
    try {
      const pod = await runPod(client, {
        name: 'smoke', namespace: 'e2e', uid: randomUUID(), logDir: cd.logDir,
        containers: [{ name: 'hello', command: ['sh', '-c', 'echo hello; sleep 1000'] }],
      });
      const id = pod.containerIds.hello;
      assert.ok(id, 'container id');

      const res = await criCall<StatusResponse>(client, 'containerStatus', { containerId: id, verbose: true });
      assert.equal(res.status.state, 'CONTAINER_RUNNING');
      const logPath = containerLogPath(pod, 'hello');
      assert.equal(res.status.logPath, logPath);
      const log = await eventually('hello in the log', () => readFile(logPath, 'utf8'), (s) => /stdout F hello\n/.test(s));
      assert.match(log, /^\S+ stdout F hello$/m);

      // The container sits in the kubelet-style cgroup we asked for.
      const { pid } = JSON.parse(res.info.info ?? '{}') as { pid?: number };
      assert.ok(pid !== undefined && pid > 0, 'verbose info carries the container pid');
      const cgroups = await readFile(`/proc/${pid}/cgroup`, 'utf8');
      assert.ok(cgroups.includes(`${pod.cgroupParent}/${id}`), cgroups);

      const all = await cd.processes();
      assert.ok(all.includes(cd.pid) && all.includes(pid), `processes() covers daemon and container: ${all}`);
      return all;
    } finally {
      client.close();
    }
  });
  assert.deepEqual(pids.filter(isRunning), [], 'no process of this containerd survives stop()');
  assert.equal(existsSync(dir), false, 'temp dir removed');
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.equal(mounts.includes(dir), false, 'no mount left under the temp dir');
});

test('restart() keeps running containers and recreates the socket', { skip, timeout: 120_000 }, async () => {
  await withContainerd(async (cd) => {
    const client = connectRuntime(cd.endpoint);
    try {
      const pod = await runPod(client, {
        name: 'survivor', namespace: 'e2e', uid: randomUUID(), logDir: cd.logDir,
        containers: [{ name: 'sleeper', command: ['sleep', '1000'] }],
      });
      const oldPid = cd.pid;
      // Inode numbers get reused on ext4, so compare number and change time.
      const identity = async () => { const s = await stat(cd.socket); return `${s.ino}@${s.ctimeMs}`; };
      const oldSocket = await identity();
      await cd.restart();
      assert.notEqual(cd.pid, oldPid);
      assert.notEqual(await identity(), oldSocket, 'socket was recreated');
      const res = await criCall<StatusResponse>(client, 'containerStatus', { containerId: pod.containerIds.sleeper });
      assert.equal(res.status.state, 'CONTAINER_RUNNING');
    } finally {
      client.close();
    }
  });
});
