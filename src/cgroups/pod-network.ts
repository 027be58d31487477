// A pod's interface counters, read from the network namespace of one of its
// processes: every container of a pod shares the sandbox's namespace.
// Synchronous, as the cgroup reads (see host-file.ts).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { HostFileError } from './host-file-error.js';
import { readIfPresent } from './host-file.js';
import { parseNetDev } from './net-dev.js';
import type { NetInterface } from './types.js';

/** The process is in the host's network namespace: its pod has no interfaces of its own. */
export const HOST_NETWORK = Symbol('host network');

export class PodNetwork {
  private hostNetDev: number | undefined;

  constructor(private readonly hostProc: string) {}

  /**
   * The interfaces of `pid`'s network namespace; undefined when the process
   * is gone, HOST_NETWORK when it shares the host's namespace (a hostNetwork
   * pod: its interfaces are the node's, which CRI runtimes do not report as
   * the pod's either). Throws HostFileError for a file that exists but fails.
   */
  interfaces(pid: number): readonly NetInterface[] | typeof HOST_NETWORK | undefined {
    const path = join(this.hostProc, String(pid), 'net', 'dev');
    const own = inode(path);
    if (own === null) return undefined;
    this.hostNetDev ??= inode(join(this.hostProc, '1', 'net', 'dev')) ?? undefined;
    if (own !== undefined && own === this.hostNetDev) return HOST_NETWORK;
    const text = readIfPresent(path);
    if (text === undefined) return undefined;
    try {
      return parseNetDev(text);
    } catch (err) {
      throw new HostFileError(path, err as Error);
    }
  }
}

/**
 * procfs gives each network namespace its own net/dev entry, with its own
 * inode: equal inodes mean the namespace of the host's PID 1. Unlike the
 * ns/net links, stat needs no ptrace access, which an agent without
 * CAP_SYS_PTRACE (or PID 1 of a sandboxed VM) does not give.
 *
 * null when the entry is gone (the process exited: no read needed, and no
 * error object built); undefined when it could not be examined, which the
 * read that follows reports if it fails too.
 */
function inode(path: string): number | null | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false })?.ino ?? null;
  } catch {
    return undefined;
  }
}
