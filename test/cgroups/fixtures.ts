// Access to the literal files under test/fixtures/cgroups, and temp trees
// laid out like a host's cgroup root and /proc built from them.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/cgroups/', import.meta.url));

export function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'crie-cgroups-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies the files of fixture directory `from` whose names start with one of `prefixes` into `to`. */
export function copyFixtureFiles(from: string, to: string, prefixes: readonly string[] = ['']): void {
  mkdirSync(to, { recursive: true });
  cpSync(join(FIXTURES, from), to, {
    recursive: true,
    filter: (src) => src === join(FIXTURES, from) || prefixes.some((p) => src.slice(join(FIXTURES, from).length + 1).startsWith(p)),
  });
}

/**
 * A v1 root as a node has it: cpu and cpuacct co-mounted (with the usual
 * symlink-free directory name), memory and blkio on their own, and the
 * container's files of `fixtureDir` under `rel` in each controller.
 */
export function v1Root(root: string, fixtureDir: string, rel: string): void {
  const mounts: Record<string, string[]> = { 'cpu,cpuacct': ['cpu.'], memory: ['memory.', 'cgroup.procs'], blkio: ['blkio.'] };
  for (const [mount, prefixes] of Object.entries(mounts)) {
    writeProcs(join(root, mount));
    copyFixtureFiles(fixtureDir, join(root, mount, rel), prefixes);
  }
}

/** A v2 root: cgroup.controllers at the top, all of the container's files in one directory. */
export function v2Root(root: string, fixtureDir: string, rel: string): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  copyFixtureFiles(fixtureDir, join(root, rel));
}

function writeProcs(dir: string): void {
  mkdirSync(dir, { recursive: true });
  cpSync(join(FIXTURES, 'v1/throttled/cgroup.procs'), join(dir, 'cgroup.procs'));
}
