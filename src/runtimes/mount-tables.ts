// Mount tables shared by the containers enriched close together. Each
// container's rootfs is looked up in its shim's table, then the host init's;
// on most nodes all of those are one mount namespace, whose table grows with
// the node (a line per container, one or more per pod). Read once per
// container, the first poll on a node of N containers read and parsed that
// table N times: quadratic, 20 MiB of text and 39,000 parsed entries at 150
// containers in 110 pods. A table is therefore reused for a few seconds by
// every process of the same mount namespace and root, and a lookup that finds
// nothing in a reused table reads it afresh, so a container mounted after the
// read is still found.
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readMountTable, type MountEntry } from './mountinfo.js';

/** How long a table read is reused; a few seconds covers the enrichments of one poll. */
export const REUSE_MS = 5_000;

interface Shared {
  readonly table: Promise<MountEntry[] | undefined>;
  readonly timer: NodeJS.Timeout;
}

export class MountTables {
  private readonly shared = new Map<string, Shared>();

  constructor(readonly hostProc: string, private readonly reuseMs = REUSE_MS) {}

  /** What `pick` finds in the mount table of `pid`; undefined when it finds nothing or the table is unreadable. */
  async find<T>(pid: number, pick: (entries: readonly MountEntry[]) => T | undefined): Promise<T | undefined> {
    const key = await namespaceOf(this.hostProc, pid);
    const reused = key === undefined ? undefined : this.shared.get(key);
    if (reused) {
      const table = await reused.table;
      const hit = table && pick(table);
      if (hit !== undefined) return hit;
    }
    const read = readMountTable(this.hostProc, pid);
    if (key !== undefined) this.share(key, read);
    const table = await read;
    return table && pick(table);
  }

  /** Drops every table kept (the adapter is closing). */
  clear(): void {
    for (const s of this.shared.values()) clearTimeout(s.timer);
    this.shared.clear();
  }

  private share(key: string, table: Promise<MountEntry[] | undefined>): void {
    const old = this.shared.get(key);
    if (old) clearTimeout(old.timer);
    // Kept only briefly: a parsed table of a large node is hundreds of kilobytes.
    const timer = setTimeout(() => {
      if (this.shared.get(key)?.table === table) this.shared.delete(key);
    }, this.reuseMs);
    timer.unref();
    this.shared.set(key, { table, timer });
  }
}

/**
 * Which table `pid` sees: its mount namespace and its root (a chrooted
 * process in the same namespace sees other paths). undefined when either
 * link cannot be read; that table is then not shared.
 */
async function namespaceOf(hostProc: string, pid: number): Promise<string | undefined> {
  try {
    const dir = join(hostProc, String(pid));
    const [ns, root] = await Promise.all([readlink(join(dir, 'ns', 'mnt')), readlink(join(dir, 'root'))]);
    return `${ns} ${root}`;
  } catch {
    return undefined;
  }
}
