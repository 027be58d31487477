// The poll step that adds what the host knows and CRI stats lack: each
// running container's cgroup numbers and each pod's interface counters
// (packets, drops). It runs once per poll, after the snapshot is built, so a
// scrape never touches the filesystem.
//
// The files are read synchronously (cheap: see cgroups/host-file.ts), in
// time slices, so the event loop still serves scrapes while a poll reads.
import { DeviceNames } from '../cgroups/device-names.js';
import { detectLayout, safeRelative } from '../cgroups/hierarchy.js';
import { PodNetwork } from '../cgroups/pod-network.js';
import { CgroupReader } from '../cgroups/reader.js';
import type { CgroupStats, NetInterface } from '../cgroups/types.js';
import { cgroupIdOf } from '../runtimes/cgroup-path.js';
import type { PollLogger } from './poller.js';
import type { Container, PartError, Pod, Snapshot } from './snapshot.js';
import { TimeSlicer } from './time-slicer.js';

/**
 * How long reading may hold the event loop before letting it turn. A scrape
 * then waits at most about two slices (under 10 ms, against scrape timeouts
 * of seconds), while the turns cost next to nothing (a few µs each, one per
 * 4 ms). By time, not by count: a container costs ~2 µs when its cgroup is
 * gone and ~100 µs when it is read (measured, v1), more on a loaded kernel,
 * so no one count fits all.
 */
const SLICE_MILLIS = 4;

export interface CgroupStepOptions {
  /** --host-cgroup-root */
  readonly cgroupRoot: string;
  /** --host-proc */
  readonly hostProc: string;
  readonly logger: PollLogger;
  /** How long reading may hold the event loop at a time; default SLICE_MILLIS; a test seam. */
  readonly sliceMillis?: number;
  /** Where /sys/dev/block is; a test seam. */
  readonly sysDevBlock?: string;
}

/** A step of the poll: takes the built snapshot, returns it with host stats added. */
export type SnapshotStep = (snapshot: Snapshot) => Promise<Snapshot>;

/** The step for the poller; an unexpected failure costs the host stats of one poll, never the poll. */
export function cgroupStep(opts: CgroupStepOptions): SnapshotStep {
  const step = new CgroupStep(opts);
  return (s) => step.apply(s).catch((err: Error) =>
    Object.freeze({ ...s, errors: Object.freeze([...s.errors, { part: 'cgroup', message: `reading host stats: ${err.message}` }]) }));
}

export class CgroupStep {
  private reader: CgroupReader | undefined;
  private warned = false;
  private readonly devices: DeviceNames;
  private readonly network: PodNetwork;

  constructor(private readonly opts: CgroupStepOptions) {
    this.devices = new DeviceNames(opts.hostProc, opts.sysDevBlock);
    this.network = new PodNetwork(opts.hostProc);
  }

  async apply(s: Snapshot): Promise<Snapshot> {
    const reader = await this.readerFor();
    if (reader === undefined) return s;
    this.devices.newPoll();
    const errors: PartError[] = [];
    const slicer = new TimeSlicer(this.opts.sliceMillis ?? SLICE_MILLIS);
    const stats = await this.readContainers(reader, s.containers, errors, slicer);
    const netDev = await this.readPods(reader, s, stats, errors, slicer);
    return Object.freeze({
      ...s,
      containers: Object.freeze(s.containers.map((c) => withCgroup(c, stats.get(c.id)))),
      pods: Object.freeze(s.pods.map((p) => withNetDev(p, netDev.get(p.id)))),
      errors: Object.freeze([...s.errors, ...errors]),
    });
  }

  /** The hierarchy is detected on first use; while there is none, once per poll (cheap) with one warning. */
  private async readerFor(): Promise<CgroupReader | undefined> {
    if (this.reader) return this.reader;
    const layout = await detectLayout(this.opts.cgroupRoot);
    if (layout === undefined) {
      if (!this.warned) {
        this.opts.logger.warn({ hostCgroupRoot: this.opts.cgroupRoot },
          'no cgroup hierarchy under --host-cgroup-root; serving the CRI-based container_* families only (mount the host\'s /sys/fs/cgroup and point --host-cgroup-root at it)');
        this.warned = true;
      }
      return undefined;
    }
    this.opts.logger.info({ hostCgroupRoot: this.opts.cgroupRoot, cgroupVersion: layout.version }, 'reading container cgroups');
    this.reader = new CgroupReader(layout, this.devices);
    return this.reader;
  }

  private async readContainers(
    reader: CgroupReader, containers: readonly Container[], errors: PartError[], slicer: TimeSlicer,
  ): Promise<Map<string, CgroupStats>> {
    const out = new Map<string, CgroupStats>();
    for (const c of containers) {
      const rel = c.state === 'running' ? relativeOf(c) : undefined;
      if (rel === undefined) continue;
      await slicer.yieldIfDue();
      const read = reader.read(rel);
      if (read.stats) out.set(c.id, read.stats);
      for (const message of read.failures) errors.push({ part: 'cgroup', message: `container ${c.id}: ${message}` });
    }
    return out;
  }

  /** One process per pod is enough: its containers share the sandbox's network namespace. */
  private async readPods(
    reader: CgroupReader, s: Snapshot, stats: ReadonlyMap<string, CgroupStats>, errors: PartError[], slicer: TimeSlicer,
  ): Promise<Map<string, readonly NetInterface[]>> {
    const out = new Map<string, readonly NetInterface[]>();
    const members = new Map<string, Container[]>();
    for (const c of s.containers) if (stats.has(c.id)) members.set(c.pod.sandboxId, [...(members.get(c.pod.sandboxId) ?? []), c]);
    for (const p of s.pods) {
      const containers = members.get(p.id);
      if (containers === undefined) continue;
      await slicer.yieldIfDue();
      try {
        const ifaces = this.podInterfaces(reader, containers);
        if (ifaces) out.set(p.id, ifaces);
      } catch (err) {
        errors.push({ part: 'netdev', message: `pod ${p.namespace}/${p.name}: ${(err as Error).message}` });
      }
    }
    return out;
  }

  /**
   * The runtime's PID first: it is valid under --host-proc without the agent
   * sharing the host's PID namespace, where cgroup.procs would list none.
   */
  private podInterfaces(reader: CgroupReader, containers: readonly Container[]): readonly NetInterface[] | undefined {
    for (const c of containers) {
      if (c.state !== 'running' || c.pid <= 0) continue;
      const ifaces = this.network.interfaces(c.pid);
      if (ifaces) return ifaces;
    }
    for (const c of containers) {
      const pid = reader.firstPid(relativeOf(c) as string);
      if (pid !== undefined) return this.network.interfaces(pid);
    }
    return undefined;
  }
}

function relativeOf(c: Container): string | undefined {
  return c.cgroupPath === '' ? undefined : safeRelative(cgroupIdOf(c.cgroupPath));
}

function withCgroup(c: Container, cgroup: CgroupStats | undefined): Container {
  return cgroup === undefined ? c : deepFreeze({ ...c, cgroup });
}

function withNetDev(p: Pod, netDev: readonly NetInterface[] | undefined): Pod {
  return netDev === undefined ? p : deepFreeze({ ...p, netDev });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
