// One container's numbers from cgroup v2, where every controller's files are
// in the container's one directory.
import { join } from 'node:path';
import type { FileBatch } from './host-file.js';
import {
  parseCpuMax, parseCpuStatV2, parseCpuWeightAsShares, parseIoStat, parseMemoryEvents, parseMemoryMax, parseMemoryStatV2,
} from './parse-v2.js';
import type { RawStats } from './raw-stats.js';

export async function readV2(dir: string, files: FileBatch): Promise<RawStats> {
  const [cfs, cpuMax, shares, memory, limit, oomKills, io] = await Promise.all([
    files.parse(join(dir, 'cpu.stat'), parseCpuStatV2),
    files.parse(join(dir, 'cpu.max'), parseCpuMax),
    files.parse(join(dir, 'cpu.weight'), parseCpuWeightAsShares),
    files.parse(join(dir, 'memory.stat'), parseMemoryStatV2),
    files.parse(join(dir, 'memory.max'), parseMemoryMax),
    files.parse(join(dir, 'memory.events'), parseMemoryEvents),
    files.parse(join(dir, 'io.stat'), parseIoStat),
  ]);
  return {
    memoryCacheBytes: memory?.cacheBytes,
    memoryMappedFileBytes: memory?.mappedFileBytes,
    memoryLimitBytes: limit,
    oomKills,
    cfsPeriods: cfs?.periods,
    cfsThrottledPeriods: cfs?.throttledPeriods,
    cfsThrottledSeconds: cfs?.throttledSeconds,
    cpuQuotaMicros: cpuMax?.quotaMicros,
    cpuPeriodMicros: cpuMax?.periodMicros,
    cpuShares: shares,
    io: [...(io ?? new Map()).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([majorMinor, e]) => ({ majorMinor, ...e })),
  };
}
