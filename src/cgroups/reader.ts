// Reads one container's cgroup under --host-cgroup-root, whichever cgroup
// version the host runs, and names its block devices. A cgroup that is gone
// (the container exited) yields no stats and no error.
import { join } from 'node:path';
import type { DeviceNames } from './device-names.js';
import type { CgroupLayout } from './hierarchy.js';
import { FileBatch } from './host-file.js';
import { readV1 } from './read-v1.js';
import { readV2 } from './read-v2.js';
import type { RawStats } from './raw-stats.js';
import type { CgroupStats } from './types.js';

export interface CgroupRead {
  /** Undefined when none of the container's cgroup files exist. */
  readonly stats?: CgroupStats;
  /** Files that exist but could not be read or parsed, each with its path. */
  readonly failures: readonly string[];
}

// Any of these holds the container's processes on v1; memory is the one every host mounts.
const PROCS_CONTROLLERS = ['memory', 'cpu', 'blkio'];

export class CgroupReader {
  constructor(readonly layout: CgroupLayout, private readonly devices: DeviceNames) {}

  /** `rel`: the container's cgroup relative to the hierarchy root (see safeRelative). */
  async read(rel: string): Promise<CgroupRead> {
    const files = new FileBatch();
    const raw = this.layout.version === 2
      ? await readV2(join(this.layout.root, rel), files)
      : await readV1(this.layout.controllers, rel, files);
    if (files.found === 0) return { failures: files.failures };
    return { stats: await this.named(raw), failures: files.failures };
  }

  /**
   * A process of the cgroup, as a PID of the agent's PID namespace; undefined
   * when it has none or none visible (without hostPID it lists none: the runtime's PID is preferred). Throws
   * when no cgroup.procs could be read for a reason other than being gone.
   */
  async firstPid(rel: string): Promise<number | undefined> {
    const files = new FileBatch();
    for (const dir of this.procsDirs()) {
      const pid = await files.parse(join(dir, rel, 'cgroup.procs'), firstPositive);
      if (pid !== undefined) return pid;
    }
    if (files.failures.length > 0) throw new Error(files.failures.join('; '));
    return undefined;
  }

  private procsDirs(): string[] {
    if (this.layout.version === 2) return [this.layout.root];
    const { controllers } = this.layout;
    return PROCS_CONTROLLERS.flatMap((c) => controllers.get(c) ?? []);
  }

  private async named(raw: RawStats): Promise<CgroupStats> {
    const io = [];
    for (const d of raw.io) io.push({ ...d, device: await this.devices.name(d.majorMinor) });
    return { ...raw, io };
  }
}

/** PIDs of processes outside the reader's PID namespace show as 0 (v2) or not at all (v1). */
function firstPositive(text: string): number | undefined {
  for (const line of text.split('\n')) {
    const pid = Number(line.trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
  }
  return undefined;
}
