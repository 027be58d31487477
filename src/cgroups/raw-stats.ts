// What the per-version readers return: CgroupStats before block devices are named.
import type { CfsStats, MemoryStat } from './parse-v1.js';
import type { CgroupStats, DeviceIo } from './types.js';

export type RawDeviceIo = Omit<DeviceIo, 'device'>;

export interface RawStats extends Omit<CgroupStats, 'io'> {
  readonly io: readonly RawDeviceIo[];
}

/** The limits a container was given: read less often than its usage (see CgroupReader). */
export interface SpecFiles {
  readonly quotaMicros?: number;
  readonly periodMicros?: number;
  readonly shares?: number;
  readonly limit?: number;
}

/** The counters and gauges that change from one poll to the next. */
export interface UsageFiles {
  readonly cfs?: CfsStats;
  readonly memory?: MemoryStat;
  readonly oomKills?: number;
  readonly io: readonly RawDeviceIo[];
}

/** One mapping from parsed files to RawStats, so v1 and v2 cannot drift apart; absent where a file was missing or unreadable. */
export function rawStats(u: UsageFiles, spec: SpecFiles): RawStats {
  return {
    memoryCacheBytes: u.memory?.cacheBytes,
    memoryMappedFileBytes: u.memory?.mappedFileBytes,
    memoryLimitBytes: spec.limit,
    oomKills: u.oomKills,
    cfsPeriods: u.cfs?.periods,
    cfsThrottledPeriods: u.cfs?.throttledPeriods,
    cfsThrottledSeconds: u.cfs?.throttledSeconds,
    cpuQuotaMicros: spec.quotaMicros,
    cpuPeriodMicros: spec.periodMicros,
    cpuShares: spec.shares,
    io: u.io,
  };
}
