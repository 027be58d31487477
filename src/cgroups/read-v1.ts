// One container's numbers from cgroup v1: the cpu, memory and blkio
// controllers, each in its own hierarchy. Reads only the files the
// cAdvisor families need.
import { join } from 'node:path';
import type { FileBatch } from './host-file.js';
import type { V1Controller } from './hierarchy.js';
import {
  parseBlkioThrottle, parseCfsQuota, parseCpuStatV1, parseMemoryLimitV1, parseMemoryStatV1, parseOomControl, type BlkioCounts,
} from './parse-v1.js';
import { parseInteger } from './parse-common.js';
import { rawStats, type RawDeviceIo, type RawStats } from './raw-stats.js';

export function readV1(dirs: ReadonlyMap<string, string>, rel: string, files: FileBatch): RawStats {
  const at = (controller: V1Controller, file: string): string | undefined => {
    const dir = dirs.get(controller);
    return dir === undefined ? undefined : join(dir, rel, file);
  };
  const parse = <T>(path: string | undefined, parser: (text: string) => T) =>
    path === undefined ? undefined : files.parse(path, parser);
  const cfs = parse(at('cpu', 'cpu.stat'), parseCpuStatV1);
  const quota = parse(at('cpu', 'cpu.cfs_quota_us'), parseCfsQuota);
  const period = parse(at('cpu', 'cpu.cfs_period_us'), parseInteger);
  const shares = parse(at('cpu', 'cpu.shares'), parseInteger);
  const memory = parse(at('memory', 'memory.stat'), parseMemoryStatV1);
  const limit = parse(at('memory', 'memory.limit_in_bytes'), parseMemoryLimitV1);
  const oomKills = parse(at('memory', 'memory.oom_control'), parseOomControl);
  const io = readBlkio(at('blkio', ''), files);
  return rawStats({ cfs, quotaMicros: quota, periodMicros: period, shares, memory, limit, oomKills, io });
}

/**
 * The throttle files count every bio the cgroup issues, whatever the I/O
 * scheduler (the CFQ/BFQ files count only on devices using that scheduler).
 * The _recursive variants are preferred; kernels before 4.x lack them.
 */
function readBlkio(dir: string | undefined, files: FileBatch): RawDeviceIo[] {
  if (dir === undefined) return [];
  const pair = (suffix: string) => [
    files.parse(join(dir, `blkio.throttle.io_service_bytes${suffix}`), parseBlkioThrottle),
    files.parse(join(dir, `blkio.throttle.io_serviced${suffix}`), parseBlkioThrottle),
  ];
  let [bytes, ops] = pair('_recursive');
  if (bytes === undefined && ops === undefined) [bytes, ops] = pair('');
  return mergeBlkio(bytes ?? new Map(), ops ?? new Map());
}

function mergeBlkio(bytes: BlkioCounts, ops: BlkioCounts): RawDeviceIo[] {
  const keys = [...new Set([...bytes.keys(), ...ops.keys()])].sort();
  return keys.map((majorMinor) => ({
    majorMinor,
    readBytes: bytes.get(majorMinor)?.read ?? 0,
    writeBytes: bytes.get(majorMinor)?.write ?? 0,
    reads: ops.get(majorMinor)?.read ?? 0,
    writes: ops.get(majorMinor)?.write ?? 0,
  }));
}
