import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MountTables } from '../../src/runtimes/mount-tables.js';
import type { MountEntry } from '../../src/runtimes/mountinfo.js';
import { tempDir } from './containerd-fakes.js';

let dir: string;
let removeDir: () => Promise<void>;

before(async () => {
  ({ dir, remove: removeDir } = await tempDir());
});

after(() => removeDir());

const line = (n: number, mountPoint: string) => `${n} 1 0:${n} / ${mountPoint} rw - overlay overlay rw,upperdir=/u/${n}\n`;

/** A host /proc: each PID's mount table, and its ns/mnt and root links when given (dangling links serve as well). */
async function fakeProc(name: string, pids: Record<number, { table: string; ns?: string; root?: string }>): Promise<string> {
  const proc = join(dir, name);
  for (const [pid, p] of Object.entries(pids)) {
    await mkdir(join(proc, pid, 'ns'), { recursive: true });
    await writeFile(join(proc, pid, 'mountinfo'), p.table);
    if (p.ns !== undefined) await symlink(p.ns, join(proc, pid, 'ns', 'mnt'));
    if (p.root !== undefined) await symlink(p.root, join(proc, pid, 'root'));
  }
  return proc;
}

/** Finds the mount at `path`, counting the tables it was asked to look in. */
function lookFor(path: string, seen: (readonly MountEntry[])[]) {
  return (entries: readonly MountEntry[]) => {
    seen.push(entries);
    return entries.find((e) => e.mountPoint === path);
  };
}

describe('MountTables', () => {
  it('reads the table of one mount namespace once for every process in it', async () => {
    const ns = 'mnt:[4026531841]';
    const proc = await fakeProc('shared', { 1: { table: line(1, '/a'), ns, root: '/' }, 200: { table: line(1, '/a'), ns, root: '/' } });
    const tables = new MountTables(proc);
    const seen: (readonly MountEntry[])[] = [];
    assert.equal((await tables.find(200, lookFor('/a', seen)))?.mountPoint, '/a');
    // Rewritten on disk: a shared table is not read again while it answers.
    await writeFile(join(proc, '1', 'mountinfo'), line(2, '/b'));
    assert.equal((await tables.find(1, lookFor('/a', seen)))?.mountPoint, '/a');
    assert.equal(seen[0], seen[1], 'the same parsed table');
    tables.clear();
  });

  it('reads afresh when the shared table does not have the mount, and shares the new one', async () => {
    const ns = 'mnt:[4026531841]';
    const proc = await fakeProc('miss', { 1: { table: line(1, '/a'), ns, root: '/' } });
    const tables = new MountTables(proc);
    const seen: (readonly MountEntry[])[] = [];
    await tables.find(1, lookFor('/a', seen));
    await writeFile(join(proc, '1', 'mountinfo'), line(1, '/a') + line(2, '/b'));
    assert.equal((await tables.find(1, lookFor('/b', seen)))?.mountPoint, '/b');
    assert.equal(seen.length, 3, 'the shared table, then a fresh read');
    assert.equal(seen[0], seen[1]);
    assert.notEqual(seen[1], seen[2]);
    assert.equal((await tables.find(1, lookFor('/b', seen)))?.mountPoint, '/b');
    assert.equal(seen[3], seen[2], 'the fresh table is the one shared now');
    assert.equal(await tables.find(1, lookFor('/c', [])), undefined);
    tables.clear();
  });

  it('does not share between namespaces, between roots, or when the links cannot be read', async () => {
    const proc = await fakeProc('apart', {
      1: { table: line(1, '/host'), ns: 'mnt:[1]', root: '/' },
      2: { table: line(1, '/other-ns'), ns: 'mnt:[2]', root: '/' },
      3: { table: line(1, '/chrooted'), ns: 'mnt:[1]', root: '/srv/jail' },
      4: { table: line(1, '/no-links') },
    });
    const tables = new MountTables(proc);
    assert.equal((await tables.find(1, lookFor('/host', [])))?.mountPoint, '/host');
    assert.equal((await tables.find(2, lookFor('/other-ns', [])))?.mountPoint, '/other-ns');
    assert.equal((await tables.find(3, lookFor('/chrooted', [])))?.mountPoint, '/chrooted');
    assert.equal((await tables.find(4, lookFor('/no-links', [])))?.mountPoint, '/no-links');
    assert.equal(await tables.find(4, lookFor('/host', [])), undefined);
    assert.equal(await tables.find(99, lookFor('/host', [])), undefined, 'a process that is gone');
    tables.clear();
  });

  it('forgets a table after the reuse window', async () => {
    const ns = 'mnt:[4026531841]';
    const proc = await fakeProc('expiry', { 1: { table: line(1, '/a'), ns, root: '/' } });
    const tables = new MountTables(proc, 20);
    const seen: (readonly MountEntry[])[] = [];
    await tables.find(1, lookFor('/a', seen));
    await new Promise((r) => setTimeout(r, 60));
    await tables.find(1, lookFor('/a', seen));
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0], seen[1], 'read again');
    tables.clear();
  });
});
