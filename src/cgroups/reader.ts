// Reads one container's cgroup under --host-cgroup-root, whichever cgroup
// version the host runs, and names its block devices. A cgroup that is gone
// (the container exited) yields no stats and no error. Synchronous: see
// host-file.ts for why, and the caller for how the event loop stays free.
import type { DeviceNames } from './device-names.js';
import { under, type CgroupLayout } from './hierarchy.js';
import { FileBatch, hostFiles, type HostFiles } from './host-file.js';
import { readSpecV1, readUsageV1 } from './read-v1.js';
import { readSpecV2, readUsageV2 } from './read-v2.js';
import { parseInteger } from './parse-common.js';
import { rawStats, type RawStats, type SpecFiles } from './raw-stats.js';
import type { CgroupStats } from './types.js';

export interface CgroupRead {
  /** Undefined when none of the container's cgroup files exist. */
  readonly stats?: CgroupStats;
  /** Files that exist but could not be read or parsed, each with its path. */
  readonly failures: readonly string[];
}

// Any of these holds the container's processes on v1; memory is the one every host mounts.
const PROCS_CONTROLLERS = ['memory', 'cpu', 'blkio'];

/**
 * How long a container's limits (CFS quota and period, CPU shares, memory
 * limit) are taken as read. They change only when the container is resized,
 * while reading them is four of a container's nine files on every poll; a
 * resize shows within a minute.
 */
export const SPEC_MAX_AGE_MS = 60_000;

interface SpecRead {
  readonly spec: SpecFiles;
  readonly at: number;
  /** Whether any of the files existed. */
  readonly found: boolean;
}

export class CgroupReader {
  /** Where cgroup.procs files are; the first is also where a container's directory is looked for. */
  private readonly procsDirs: readonly string[];

  /** Limits read lately, by cgroup; a poll's sweep() drops those it did not read. */
  private specs = new Map<string, SpecRead>();
  private readThisPoll = new Map<string, SpecRead>();

  /** `files` and `clock`: seams for tests that count file system calls and move time. */
  constructor(
    readonly layout: CgroupLayout, private readonly devices: DeviceNames,
    private readonly files: HostFiles = hostFiles, private readonly clock: () => number = Date.now,
  ) {
    this.procsDirs = layout.version === 2 ? [layout.root] : PROCS_CONTROLLERS.flatMap((c) => layout.controllers.get(c) ?? []);
  }

  /** `rel`: the container's cgroup relative to the hierarchy root (see safeRelative). */
  read(rel: string): CgroupRead {
    const files = new FileBatch(this.files);
    // One call settles a gone container, instead of one failed read (and one error object) per file.
    const probe = this.procsDirs[0];
    if (probe === undefined || !files.hasDir(under(probe, rel))) return { failures: files.failures };
    const usage = this.layout.version === 2
      ? readUsageV2(under(this.layout.root, rel), files)
      : readUsageV1(this.layout.controllers, rel, files);
    const found = files.found > 0;
    // No usage file: the cgroup may be going away. Limits read before would
    // then pass it off as there; only limits read now count.
    const spec = this.spec(rel, files, found);
    if (!found && !spec.found) return { failures: files.failures };
    return { stats: this.named(rawStats(usage, spec.spec)), failures: files.failures };
  }

  /**
   * Forgets the limits (and lets the files close what they kept open) of
   * cgroups not read since the last sweep: the poller calls it once per
   * poll, so gone containers leave nothing behind.
   */
  sweep(): void {
    this.files.sweep?.();
    this.specs = this.readThisPoll;
    this.readThisPoll = new Map();
  }

  /** The limits, re-read when older than SPEC_MAX_AGE_MS; a read with failures is not kept, so the next poll tries again. */
  private spec(rel: string, files: FileBatch, cached = true): SpecRead {
    const now = this.clock();
    let read = cached ? this.readThisPoll.get(rel) ?? this.specs.get(rel) : undefined;
    if (read === undefined || now - read.at >= SPEC_MAX_AGE_MS) {
      const failures = files.failures.length;
      const found = files.found;
      const spec = this.layout.version === 2 ? readSpecV2(under(this.layout.root, rel), files) : readSpecV1(this.layout.controllers, rel, files);
      read = { spec, at: now, found: files.found > found };
      if (files.failures.length > failures) return read;
    }
    this.readThisPoll.set(rel, read);
    return read;
  }

  /**
   * How many processes the cgroup `rel` holds, its descendants included
   * (pids.current: the pids controller counts the whole subtree), as the
   * runtimes count a pod's processes; undefined when gone or without a pids
   * controller. Throws for a file that exists but cannot be read or parsed.
   */
  processCount(rel: string): number | undefined {
    const dir = this.layout.version === 2 ? this.layout.root : this.layout.controllers.get('pids');
    if (dir === undefined) return undefined;
    const files = new FileBatch(this.files);
    const cgroup = under(dir, rel);
    // As in read(): a gone pod costs one stat, not a failed open and its error object.
    const count = files.hasDir(cgroup) ? files.parse(under(cgroup, 'pids.current'), parseInteger) : undefined;
    if (files.failures.length > 0) throw new Error(files.failures.join('; '));
    return count;
  }

  /**
   * A process of the cgroup, as a PID of the agent's PID namespace; undefined
   * when it has none or none visible (without hostPID it lists none: the runtime's PID is preferred). Throws
   * when no cgroup.procs could be read for a reason other than being gone.
   */
  firstPid(rel: string): number | undefined {
    const files = new FileBatch(this.files);
    for (const dir of this.procsDirs) {
      const pid = files.parse(under(under(dir, rel), 'cgroup.procs'), firstPositive);
      if (pid !== undefined) return pid;
    }
    if (files.failures.length > 0) throw new Error(files.failures.join('; '));
    return undefined;
  }

  private named(raw: RawStats): CgroupStats {
    return { ...raw, io: raw.io.map((d) => ({ ...d, device: this.devices.name(d.majorMinor) })) };
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
