// One container's numbers from cgroup v2, where every controller's files are
// in the container's one directory: its usage, and apart from it its limits.
import { join } from 'node:path';
import type { FileBatch } from './host-file.js';
import {
  parseCpuMax, parseCpuStatV2, parseCpuWeightAsShares, parseIoStat, parseMemoryEvents, parseMemoryMax, parseMemoryStatV2,
} from './parse-v2.js';
import type { SpecFiles, UsageFiles } from './raw-stats.js';

export function readUsageV2(dir: string, files: FileBatch): UsageFiles {
  const io = files.parse(join(dir, 'io.stat'), parseIoStat);
  return {
    cfs: files.parse(join(dir, 'cpu.stat'), parseCpuStatV2),
    memory: files.parse(join(dir, 'memory.stat'), parseMemoryStatV2),
    oomKills: files.parse(join(dir, 'memory.events'), parseMemoryEvents),
    io: [...(io ?? new Map()).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([majorMinor, e]) => ({ majorMinor, ...e })),
  };
}

export function readSpecV2(dir: string, files: FileBatch): SpecFiles {
  const cpuMax = files.parse(join(dir, 'cpu.max'), parseCpuMax);
  return {
    quotaMicros: cpuMax?.quotaMicros,
    periodMicros: cpuMax?.periodMicros,
    shares: files.parse(join(dir, 'cpu.weight'), parseCpuWeightAsShares),
    limit: files.parse(join(dir, 'memory.max'), parseMemoryMax),
  };
}
