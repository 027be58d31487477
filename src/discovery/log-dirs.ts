// Reads log directories for discovery: the rotated siblings of each log,
// and whether a departed container's file is still there. Each directory is
// read at most once per snapshot, however many requests come, so a shipper
// polling often costs no file-system work between polls; and nothing here
// can reach the runtime.
import { readdir } from 'node:fs/promises';
import type { DirListing } from './targets.js';

export type ReadDir = (dir: string) => Promise<string[]>;

export class LogDirectories {
  private seq = -1;
  private readonly cache = new Map<string, Promise<DirListing>>();

  constructor(private readonly read: ReadDir = (dir) => readdir(dir)) {}

  /** Listings of `dirs` as of snapshot `seq`; a new seq forgets every earlier listing. */
  async listings(seq: number, dirs: readonly string[]): Promise<ReadonlyMap<string, DirListing>> {
    if (seq !== this.seq) {
      this.seq = seq;
      this.cache.clear();
    }
    const entries = await Promise.all(dirs.map(async (dir) => [dir, await this.listing(dir)] as const));
    return new Map(entries);
  }

  private listing(dir: string): Promise<DirListing> {
    let pending = this.cache.get(dir);
    if (pending === undefined) {
      // Concurrent requests share one read: the promise is cached, not its result.
      pending = this.read(dir).then(
        (names): DirListing => ({ kind: 'listed', names: new Set(names) }),
        (err: NodeJS.ErrnoException): DirListing => (err.code === 'ENOENT' || err.code === 'ENOTDIR'
          ? { kind: 'missing' }
          : { kind: 'unreadable', message: `reading log directory ${dir}: ${err.message}` }),
      );
      this.cache.set(dir, pending);
    }
    return pending;
  }
}
