// One container's numbers from cgroup v2, where every controller's files are
// in the container's one directory: its usage, and apart from it its limits.
import type { FileBatch } from './host-file.js';
import { under } from './hierarchy.js';
import {
  parseCpuMax, parseCpuStatV2, parseCpuWeightAsShares, parseIoStat, parseMemoryEvents, parseMemoryMax, parseMemoryStatV2,
} from './parse-v2.js';
import type { SpecFiles, UsageFiles } from './raw-stats.js';

export function readUsageV2(dir: string, files: FileBatch): UsageFiles {
  const io = files.parse(under(dir, 'io.stat'), parseIoStat);
  return {
    cfs: files.parse(under(dir, 'cpu.stat'), parseCpuStatV2),
    memory: files.parse(under(dir, 'memory.stat'), parseMemoryStatV2),
    oomKills: files.parse(under(dir, 'memory.events'), parseMemoryEvents),
    io: [...(io ?? new Map()).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([majorMinor, e]) => ({ majorMinor, ...e })),
  };
}

export function readSpecV2(dir: string, files: FileBatch): SpecFiles {
  const cpuMax = files.parse(under(dir, 'cpu.max'), parseCpuMax);
  return {
    quotaMicros: cpuMax?.quotaMicros,
    periodMicros: cpuMax?.periodMicros,
    shares: files.parse(under(dir, 'cpu.weight'), parseCpuWeightAsShares),
    limit: files.parse(under(dir, 'memory.max'), parseMemoryMax),
  };
}
