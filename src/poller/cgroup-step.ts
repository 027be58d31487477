// The poll step that adds what the host knows and CRI stats lack: each
// running container's cgroup numbers and each pod's interface counters
// (packets, drops). It runs once per poll, after the snapshot is built, so a
// scrape never touches the filesystem.
//
// The files are read synchronously (cheap: see cgroups/host-file.ts), in
// time slices, so the event loop still serves scrapes while a poll reads.
import { DeviceNames } from '../cgroups/device-names.js';
import { detectLayout, safeRelative } from '../cgroups/hierarchy.js';
import { HOST_NETWORK, PodNetwork } from '../cgroups/pod-network.js';
import { OpenFiles } from '../cgroups/open-files.js';
import { CgroupReader } from '../cgroups/reader.js';
import type { CgroupStats, NetInterface } from '../cgroups/types.js';
import { cgroupIdOf } from '../runtimes/cgroup-path.js';
import type { HostStats, PollLogger } from './poller.js';
import { deepFreeze, type Container, type PartError, type Pod, type PodHostFigures, type Snapshot } from './snapshot.js';
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

/** The step for the poller; an unexpected failure costs the host stats of one poll, never the poll. */
export function cgroupStep(opts: CgroupStepOptions): HostStats {
  const step = new CgroupStep(opts);
  return {
    apply: (s) => step.apply(s).catch((err: Error) => {
      step.covered = false;
      return Object.freeze({ ...s, errors: Object.freeze([...s.errors, { part: 'cgroup', message: `reading host stats: ${err.message}` }]) });
    }),
    coversPods: () => step.covered,
    close: () => step.close(),
  };
}

export class CgroupStep {
  /** Whether the last apply() read the own cgroup of every pod listed with a container. */
  covered = false;
  private reader: CgroupReader | undefined;
  private warned = false;
  private readonly devices: DeviceNames;
  private readonly network: PodNetwork;
  private readonly files = new OpenFiles();

  constructor(private readonly opts: CgroupStepOptions) {
    this.devices = new DeviceNames(opts.hostProc, opts.sysDevBlock);
    this.network = new PodNetwork(opts.hostProc);
  }

  /** Closes the cgroup files kept open between polls. */
  close(): void {
    this.files.close();
  }

  async apply(s: Snapshot): Promise<Snapshot> {
    const reader = await this.readerFor();
    if (reader === undefined) return s;
    this.devices.newPoll();
    const errors: PartError[] = [];
    const slicer = new TimeSlicer(this.opts.sliceMillis ?? SLICE_MILLIS);
    const stats = await this.readContainers(reader, s.containers, errors, slicer);
    reader.sweep();
    const pods = await this.readPods(reader, s, stats, errors, slicer);
    this.covered = s.pods.every((p) => p.state !== 'ready' || pods.get(p.id)?.processes !== undefined);
    return Object.freeze({
      ...s,
      cgroups: stats,
      podHost: pods,
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
    this.reader = new CgroupReader(layout, this.devices, this.files);
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
      if (read.stats) out.set(c.id, deepFreeze(read.stats));
      for (const message of read.failures) errors.push({ part: 'cgroup', message: `container ${c.id}: ${message}` });
    }
    return out;
  }

  /**
   * Each pod's process count from its own cgroup (the parent of its
   * containers' cgroups) and its interfaces from one of its processes: its
   * containers share the sandbox's network namespace.
   */
  private async readPods(
    reader: CgroupReader, s: Snapshot, stats: ReadonlyMap<string, CgroupStats>, errors: PartError[], slicer: TimeSlicer,
  ): Promise<Map<string, PodHostFigures>> {
    const out = new Map<string, PodHostFigures>();
    const members = new Map<string, Container[]>();
    for (const c of s.containers) {
      if (relativeOf(c) === undefined) continue;
      const list = members.get(c.pod.sandboxId);
      if (list === undefined) members.set(c.pod.sandboxId, [c]);
      else list.push(c);
    }
    for (const p of s.pods) {
      const containers = members.get(p.id);
      if (containers === undefined || p.state !== 'ready') continue;
      await slicer.yieldIfDue();
      out.set(p.id, deepFreeze(this.readPod(reader, p, containers, stats, errors)));
    }
    return out;
  }

  private readPod(
    reader: CgroupReader, p: Pod, containers: readonly Container[], stats: ReadonlyMap<string, CgroupStats>, errors: PartError[],
  ): PodHostFigures {
    const figures: { -readonly [K in keyof PodHostFigures]: PodHostFigures[K] } = {};
    const where = `pod ${p.namespace}/${p.name}`;
    const podRel = podRelative(containers[0] as Container);
    try {
      if (podRel !== undefined) figures.processes = reader.processCount(podRel);
    } catch (err) {
      errors.push({ part: 'cgroup', message: `${where}: ${(err as Error).message}` });
    }
    const running = containers.filter((c) => stats.has(c.id));
    if (running.length === 0) return figures;
    try {
      figures.netDev = this.podInterfaces(reader, running);
    } catch (err) {
      errors.push({ part: 'netdev', message: `${where}: ${(err as Error).message}` });
    }
    return figures;
  }

  /**
   * The runtime's PID first: it is valid under --host-proc without the agent
   * sharing the host's PID namespace, where cgroup.procs would list none.
   */
  private podInterfaces(reader: CgroupReader, containers: readonly Container[]): readonly NetInterface[] | undefined {
    for (const c of containers) {
      if (c.state !== 'running' || c.pid <= 0) continue;
      const ifaces = this.network.interfaces(c.pid);
      // The pod's containers share one namespace: one in the host's settles it for all.
      if (ifaces === HOST_NETWORK) return undefined;
      if (ifaces) return ifaces;
    }
    for (const c of containers) {
      const pid = reader.firstPid(relativeOf(c) as string);
      if (pid === undefined) continue;
      const ifaces = this.network.interfaces(pid);
      return ifaces === HOST_NETWORK ? undefined : ifaces;
    }
    return undefined;
  }
}

/**
 * Each container's cgroup relative to the hierarchy root, worked out once:
 * an unchanged container is the same object from poll to poll (see
 * poller/build.ts), and this is asked two or three times per container and
 * poll. Null: none, or one that would leave the hierarchy.
 */
const relatives = new WeakMap<Container, string | null>();

function relativeOf(c: Container): string | undefined {
  let rel = relatives.get(c);
  if (rel === undefined) {
    rel = (c.cgroupPath === '' ? undefined : safeRelative(cgroupIdOf(c.cgroupPath))) ?? null;
    relatives.set(c, rel);
  }
  return rel ?? undefined;
}

/**
 * The pod's cgroup: runtimes nest each container's cgroup directly in the
 * sandbox's cgroup parent, on either cgroup driver. Never the hierarchy's
 * root, whose count would be the whole machine's.
 */
function podRelative(c: Container): string | undefined {
  const rel = relativeOf(c);
  const slash = rel?.lastIndexOf('/') ?? -1;
  return rel === undefined || slash <= 0 ? undefined : rel.slice(0, slash);
}

