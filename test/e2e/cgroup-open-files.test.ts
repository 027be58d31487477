// OpenFiles against the host's real cgroupfs: a kept descriptor gives fresh
// figures on every read, and one whose cgroup was removed answers "gone"
// instead of the last figures or an error.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { OpenFiles } from '../../src/cgroups/open-files.js';
import { e2eSkip } from './harness/preconditions.js';

const skip = e2eSkip('cgroup open files', ['sleep']);

const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
/** Where this test may make a cgroup: the unified hierarchy on v2, the pids controller's on v1. */
const HIERARCHY = V2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids';
/** A file of every such cgroup whose text changes when a process moves in: its populated flag, its process count. */
const [FIGURES, EMPTY, ONE] = V2 ? ['cgroup.events', /populated 0/, /populated 1/] : ['pids.current', /^0\n$/, /^1\n$/];

test('a kept cgroup file reads fresh figures, and nothing once its cgroup is removed', { skip, timeout: 30_000 }, async () => {
  const dir = join(HIERARCHY, `cri-exporter-test-${process.pid}`);
  mkdirSync(dir);
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const files = new OpenFiles();
  try {
    const figures = join(dir, FIGURES);
    const procs = join(dir, 'cgroup.procs');
    assert.match(files.read(figures) ?? '', EMPTY);
    assert.equal(files.read(procs), '');
    writeFileSync(procs, String(child.pid));
    assert.match(files.read(figures) ?? '', ONE, 'the kept descriptor sees the process moved in');
    assert.equal(files.read(procs), `${child.pid}\n`, 'cgroup.procs is not kept open: v1 would answer its first list again');
    assert.equal(files.size, 1);
    child.kill();
    await once(child, 'exit');
    assert.match(files.read(figures) ?? '', EMPTY, 'and sees it gone');
    assert.equal(files.isPresent(dir), true);
    rmdirSync(dir);
    assert.equal(files.read(figures), undefined, 'a removed cgroup is gone, not an error');
    assert.equal(files.size, 0, 'its descriptor was closed');
    assert.equal(files.isPresent(dir), false, 'and its directory is no longer taken as there');
  } finally {
    files.close();
    if (child.exitCode === null && child.signalCode === null) child.kill();
    if (existsSync(dir)) rmdirSync(dir);
  }
});
