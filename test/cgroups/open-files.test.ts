import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HostFileError } from '../../src/cgroups/host-file-error.js';
import { OpenFiles } from '../../src/cgroups/open-files.js';

const dir = mkdtempSync(join(tmpdir(), 'open-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Descriptors this process holds. */
const openCount = (): number => readdirSync('/proc/self/fd').length;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('OpenFiles', () => {
  it('re-reads a kept descriptor from the start and sees the new content', () => {
    const files = new OpenFiles();
    const path = file('stat', 'usage 1\n');
    assert.equal(files.read(path), 'usage 1\n');
    const held = openCount();
    writeFileSync(path, 'usage 22\nmore 3\n');
    assert.equal(files.read(path), 'usage 22\nmore 3\n');
    writeFileSync(path, 'u 4\n');
    assert.equal(files.read(path), 'u 4\n', 'shorter content is not mixed with the longer one before');
    assert.equal(openCount(), held, 'no descriptor opened for the re-reads');
    assert.equal(files.size, 1);
    files.close();
  });

  it('reads a file larger than its buffer whole', () => {
    const files = new OpenFiles();
    const big = Array.from({ length: 9000 }, (_, i) => `line ${i}\n`).join('');
    assert.ok(big.length > 64 * 1024);
    const path = file('big', big);
    assert.equal(files.read(path), big);
    assert.equal(files.read(path), big);
    files.close();
  });

  it('closes at a sweep what was not read since the sweep before', () => {
    const before = openCount();
    const files = new OpenFiles();
    const a = file('a', 'a');
    const b = file('b', 'b');
    files.read(a);
    files.read(b);
    files.sweep();
    assert.equal(files.size, 2, 'kept over one sweep');
    files.read(a);
    files.sweep();
    assert.equal(files.size, 1, 'b was not read in the last poll');
    assert.equal(openCount(), before + 1);
    files.close();
    assert.equal(files.size, 0);
    assert.equal(openCount(), before);
  });

  it('keeps no more descriptors open than its budget and still reads past it', () => {
    const before = openCount();
    const files = new OpenFiles(2);
    const paths = ['x', 'y', 'z'].map((n) => file(n, `${n}!`));
    assert.deepEqual(paths.map((p) => files.read(p)), ['x!', 'y!', 'z!']);
    assert.equal(files.size, 2);
    assert.equal(openCount(), before + 2);
    files.close();
  });

  it('answers undefined for a missing file and names the path of one it cannot read', () => {
    const files = new OpenFiles();
    assert.equal(files.read(join(dir, 'absent')), undefined);
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    assert.throws(() => files.read(sub), (err: unknown) => err instanceof HostFileError && err.path === sub && /EISDIR/.test(err.message));
    assert.equal(files.size, 0, 'nothing kept for either');
  });

  it('reads a replaced file anew once the poll after its last read has swept it', () => {
    // A removed cgroup's kept descriptor fails (ENODEV) and is opened afresh at once
    // (test/e2e/cgroup-open-files.test.ts); an unlinked regular file stays readable
    // through its descriptor until the sweeps close it.
    const files = new OpenFiles();
    const path = file('replaced', 'old');
    assert.equal(files.read(path), 'old');
    rmSync(path);
    writeFileSync(path, 'new');
    assert.equal(files.read(path), 'old');
    files.sweep();
    files.sweep();
    assert.equal(files.read(path), 'new', 'after two sweeps without a read it is opened again');
    files.close();
  });

  it('takes a directory with a kept descriptor as there without asking the kernel, until the descriptor is closed', () => {
    const files = new OpenFiles();
    const sub = join(dir, 'container-cgroup');
    mkdirSync(sub);
    const stat = join(sub, 'memory.stat');
    writeFileSync(stat, 'cache 1\n');
    assert.equal(files.isPresent(sub), true);
    files.read(stat);
    rmSync(sub, { recursive: true });
    assert.equal(files.isPresent(sub), true, 'no stat: its file is held open (a removed cgroup\'s would fail on the next read and be closed)');
    files.sweep();
    files.sweep();
    assert.equal(files.size, 0);
    assert.equal(files.isPresent(sub), false, 'nothing kept: the kernel is asked, and it is gone');
    files.close();
  });
});
