// One container's numbers from cgroup v2, where every controller's files are
// in the container's one directory.
import { join } from 'node:path';
import type { FileBatch } from './host-file.js';
import {
  parseCpuMax, parseCpuStatV2, parseCpuWeightAsShares, parseIoStat, parseMemoryEvents, parseMemoryMax, parseMemoryStatV2,
} from './parse-v2.js';
import { rawStats, type RawStats } from './raw-stats.js';

export function readV2(dir: string, files: FileBatch): RawStats {
  const cfs = files.parse(join(dir, 'cpu.stat'), parseCpuStatV2);
  const cpuMax = files.parse(join(dir, 'cpu.max'), parseCpuMax);
  const shares = files.parse(join(dir, 'cpu.weight'), parseCpuWeightAsShares);
  const memory = files.parse(join(dir, 'memory.stat'), parseMemoryStatV2);
  const limit = files.parse(join(dir, 'memory.max'), parseMemoryMax);
  const oomKills = files.parse(join(dir, 'memory.events'), parseMemoryEvents);
  const io = files.parse(join(dir, 'io.stat'), parseIoStat);
  return rawStats({
    cfs, quotaMicros: cpuMax?.quotaMicros, periodMicros: cpuMax?.periodMicros, shares, memory, limit, oomKills,
    io: [...(io ?? new Map()).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([majorMinor, e]) => ({ majorMinor, ...e })),
  });
}
