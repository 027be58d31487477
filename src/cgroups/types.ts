// What the host knows about a container and its pod that CRI stats do not
// carry: read from the container's cgroup and the pod's network namespace,
// in the units cAdvisor exposes them.

/** Block I/O of a container on one device. */
export interface DeviceIo {
  /** "major:minor" as the kernel lists it. */
  readonly majorMinor: string;
  /** Device path as cAdvisor names it (/dev/vda); "major:minor" when the device is unknown. */
  readonly device: string;
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly reads: number;
  readonly writes: number;
}

export interface CgroupStats {
  /** Page cache charged to the container. */
  readonly memoryCacheBytes?: number;
  readonly memoryMappedFileBytes?: number;
  /** 0 when unlimited, as cAdvisor reports it. */
  readonly memoryLimitBytes?: number;
  /** Processes of the container the OOM killer killed. */
  readonly oomKills?: number;
  readonly cfsPeriods?: number;
  readonly cfsThrottledPeriods?: number;
  readonly cfsThrottledSeconds?: number;
  /** Microseconds of CPU per period; undefined when the container has no CFS quota. */
  readonly cpuQuotaMicros?: number;
  readonly cpuPeriodMicros?: number;
  /** cgroup v1 cpu.shares; on v2 converted from cpu.weight. */
  readonly cpuShares?: number;
  readonly io: readonly DeviceIo[];
}

/** Counters of one network interface, as /proc/<pid>/net/dev lists them. */
export interface NetInterface {
  readonly name: string;
  readonly rxBytes: number;
  readonly rxPackets: number;
  readonly rxErrors: number;
  readonly rxDropped: number;
  readonly txBytes: number;
  readonly txPackets: number;
  readonly txErrors: number;
  readonly txDropped: number;
}
