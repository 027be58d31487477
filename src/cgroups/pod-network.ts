// A pod's interface counters, read from the network namespace of one of its
// processes: every container of a pod shares the sandbox's namespace.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HostFileError } from './host-file-error.js';
import { readIfPresent } from './host-file.js';
import { parseNetDev } from './net-dev.js';
import type { NetInterface } from './types.js';

export class PodNetwork {
  private hostNetDev: number | undefined;

  constructor(private readonly hostProc: string) {}

  /**
   * The interfaces of `pid`'s network namespace; undefined when the process
   * is gone or shares the host's namespace (a hostNetwork pod: its
   * interfaces are the node's, which CRI runtimes do not report as the
   * pod's either). Throws HostFileError for a file that exists but fails.
   */
  async interfaces(pid: number): Promise<readonly NetInterface[] | undefined> {
    const path = join(this.hostProc, String(pid), 'net', 'dev');
    if (await this.inHostNamespace(path)) return undefined;
    const text = await readIfPresent(path);
    if (text === undefined) return undefined;
    try {
      return parseNetDev(text);
    } catch (err) {
      throw new HostFileError(path, err as Error);
    }
  }

  /**
   * procfs gives each network namespace its own net/dev entry, with its own
   * inode: equal inodes mean the namespace of the host's PID 1. Unlike the
   * ns/net links, stat needs no ptrace access, which an agent without
   * CAP_SYS_PTRACE (or PID 1 of a sandboxed VM) does not give.
   */
  private async inHostNamespace(netDev: string): Promise<boolean> {
    this.hostNetDev ??= await inode(join(this.hostProc, '1', 'net', 'dev'));
    return this.hostNetDev !== undefined && (await inode(netDev)) === this.hostNetDev;
  }
}

async function inode(path: string): Promise<number | undefined> {
  return stat(path).then((s) => s.ino, () => undefined);
}
