// Block device numbers → the names cAdvisor puts in the device label. The
// table is read from <host-proc>/partitions once and again only when a
// device it does not know shows up (hot-plugged disks), at most once per poll.
// Synchronous, as the cgroup reads that ask for names (see host-file.ts).
import { basename, join } from 'node:path';
import { parsePartitions } from './partitions.js';
import { readIfPresent, readlinkIfPresent } from './host-file.js';

export class DeviceNames {
  private readonly table = new Map<string, string>();
  private loaded = false;
  private reloadedThisPoll = false;

  /** `sysDevBlock`: where /sys/dev/block is, the fallback for devices /proc/partitions lacks. */
  constructor(private readonly hostProc: string, private readonly sysDevBlock = '/sys/dev/block') {}

  /** Allows one more reload of the table; called at the start of each poll. */
  newPoll(): void {
    this.reloadedThisPoll = false;
  }

  /** "/dev/<name>", or "major:minor" when no source knows the device (keeps series apart). */
  name(majorMinor: string): string {
    let name = this.table.get(majorMinor);
    if (name === undefined && (!this.loaded || !this.reloadedThisPoll)) {
      this.reload();
      name = this.table.get(majorMinor);
    }
    if (name === undefined) {
      name = this.fromSysfs(majorMinor);
      if (name !== undefined) this.table.set(majorMinor, name);
    }
    return name ?? majorMinor;
  }

  private reload(): void {
    this.loaded = true;
    this.reloadedThisPoll = true;
    const text = orUndefined(() => readIfPresent(join(this.hostProc, 'partitions')));
    // Merged, not replaced: names found through sysfs stay known, and a device that went away costs one entry.
    if (text !== undefined) for (const [key, name] of parsePartitions(text)) this.table.set(key, name);
  }

  /** /sys/dev/block/<major:minor> links to the device's sysfs directory, named after it. */
  private fromSysfs(majorMinor: string): string | undefined {
    const target = orUndefined(() => readlinkIfPresent(join(this.sysDevBlock, majorMinor)));
    return target === undefined ? undefined : `/dev/${basename(target)}`;
  }
}

/** An unreadable source of names is as good as none: the device keeps its major:minor. */
function orUndefined<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
