// What the per-version readers return: CgroupStats before block devices are named.
import type { CfsStats, MemoryStat } from './parse-v1.js';
import type { CgroupStats, DeviceIo } from './types.js';

export type RawDeviceIo = Omit<DeviceIo, 'device'>;

export interface RawStats extends Omit<CgroupStats, 'io'> {
  readonly io: readonly RawDeviceIo[];
}

/** What either version's files say, parsed; absent where a file was missing or unreadable. */
export interface ParsedFiles {
  readonly cfs?: CfsStats;
  readonly quotaMicros?: number;
  readonly periodMicros?: number;
  readonly shares?: number;
  readonly memory?: MemoryStat;
  readonly limit?: number;
  readonly oomKills?: number;
  readonly io: readonly RawDeviceIo[];
}

/** One mapping from parsed files to RawStats, so v1 and v2 cannot drift apart. */
export function rawStats(f: ParsedFiles): RawStats {
  return {
    memoryCacheBytes: f.memory?.cacheBytes,
    memoryMappedFileBytes: f.memory?.mappedFileBytes,
    memoryLimitBytes: f.limit,
    oomKills: f.oomKills,
    cfsPeriods: f.cfs?.periods,
    cfsThrottledPeriods: f.cfs?.throttledPeriods,
    cfsThrottledSeconds: f.cfs?.throttledSeconds,
    cpuQuotaMicros: f.quotaMicros,
    cpuPeriodMicros: f.periodMicros,
    cpuShares: f.shares,
    io: f.io,
  };
}
