// Where containerd mounted a running container's root filesystem (the merged
// dir). Neither CRI nor containerd's API names it: the shim mounts the
// snapshot at <state>/io.containerd.runtime.v2.task/<namespace>/<id>/<root.path>,
// and containerd's state dir is not exported anywhere (Introspection exports
// only root-side dirs such as the snapshotter's). The kernel's mount tables
// name it, so they are read: first the shim's (it performed the mount, and it
// is the parent of the container's init), then the host init's; a mount
// counts only when its path ends in the container ID and root.path and, when
// the snapshotter named the upper dir, its upperdir is that dir.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MountTables } from './mount-tables.js';
import { detached, optionValue, parentPid, readMountTable, rootMount, type MountEntry } from './mountinfo.js';

export interface RootfsQuery {
  readonly id: string;
  /** Host PID of the container's init; 0 when it does not run. */
  readonly pid: number;
  /** OCI root.path from verbose info; '' means containerd's default, "rootfs". */
  readonly rootPath: string;
  /** Upper dir as the snapshotter gave it; '' when unknown. */
  readonly upperDir: string;
}

export interface Rootfs {
  readonly mergedDir: string;
  /** The upperdir of the mount found; '' for a mount without one. */
  readonly upperDir: string;
  /**
   * 'mount-table': the host path of the mount itself. 'proc-root': the
   * container's root seen through <host-proc>/<pid>/root, valid only while
   * that process lives — the last resort.
   */
  readonly found: 'mount-table' | 'proc-root';
}

/** The container's rootfs mount among `entries`, or undefined. */
export function matchRootfs(entries: readonly MountEntry[], q: RootfsQuery): MountEntry | undefined {
  const rel = (q.rootPath || 'rootfs').replace(/^\.\//, '').replace(/\/+$/, '');
  // Built once, not per entry: this runs for every container over a table that grows with them.
  const suffix = `/${q.id}/${rel}`;
  const wanted = rel.startsWith('/') ? (p: string) => p === rel : (p: string) => p.endsWith(suffix);
  return entries.filter((e) => wanted(e.mountPoint) && upperAgrees(e, q.upperDir)).at(-1);
}

/** A bind-mounted rootfs (snapshot without parents) carries no upperdir and is judged by its path alone. */
function upperAgrees(e: MountEntry, upperDir: string): boolean {
  const upper = optionValue(e.superOptions, 'upperdir');
  return upperDir === '' || upper === undefined || upper === upperDir;
}

export async function findRootfs(tables: MountTables, q: RootfsQuery): Promise<Rootfs | undefined> {
  for (const pid of await tablesToSearch(tables.hostProc, q.pid)) {
    const hit = await tables.find(pid, (entries) => matchRootfs(entries, q));
    if (hit) return { mergedDir: detached(hit.mountPoint), upperDir: detached(optionValue(hit.superOptions, 'upperdir') ?? ''), found: 'mount-table' };
  }
  return procRoot(tables.hostProc, q);
}

/** The shim's table, then the host init's (they are the same namespace on most nodes). */
async function tablesToSearch(hostProc: string, pid: number): Promise<number[]> {
  const shim = pid > 0 ? await parentPid(hostProc, pid) : undefined;
  return shim === undefined || shim === 1 ? [1] : [shim, 1];
}

/**
 * <host-proc>/<pid>/root, but only for a PID that provably is this
 * container's (its cgroup names the container ID), since verbose info may be
 * stale by the time it is read and PIDs are reused.
 */
async function procRoot(hostProc: string, q: RootfsQuery): Promise<Rootfs | undefined> {
  if (q.pid <= 0) return undefined;
  const cgroup = await readFile(join(hostProc, String(q.pid), 'cgroup'), 'utf8').catch(() => '');
  if (!cgroup.includes(q.id)) return undefined;
  const root = rootMount((await readMountTable(hostProc, q.pid)) ?? []);
  const upper = root ? optionValue(root.superOptions, 'upperdir') ?? '' : '';
  if (q.upperDir !== '' && upper !== '' && upper !== q.upperDir) return undefined;
  return { mergedDir: join(hostProc, String(q.pid), 'root'), upperDir: detached(upper), found: 'proc-root' };
}
