// One container's numbers from cgroup v1: the cpu, memory and blkio
// controllers, each in its own hierarchy. Reads only the files the
// cAdvisor families need: its usage, and apart from it its limits.
import type { FileBatch } from './host-file.js';
import { under, type V1Controller } from './hierarchy.js';
import {
  parseBlkioThrottle, parseCfsQuota, parseCpuStatV1, parseMemoryLimitV1, parseMemoryStatV1, parseOomControl, type BlkioCounts,
} from './parse-v1.js';
import { parseInteger } from './parse-common.js';
import type { RawDeviceIo, SpecFiles, UsageFiles } from './raw-stats.js';

/** The container's directory under a controller; undefined when the host has no such controller. */
function containerDir(dirs: ReadonlyMap<string, string>, controller: V1Controller, rel: string): string | undefined {
  const dir = dirs.get(controller);
  return dir === undefined ? undefined : under(dir, rel);
}

/** Parses one of the container's files under a controller; undefined when the controller or the file is not there. */
type V1Read = <T>(controller: V1Controller, file: string, parse: (text: string) => T) => T | undefined;

function v1Reader(dirs: ReadonlyMap<string, string>, rel: string, files: FileBatch): V1Read {
  return (controller, file, parse) => {
    const dir = containerDir(dirs, controller, rel);
    return dir === undefined ? undefined : files.parse(under(dir, file), parse);
  };
}

export function readUsageV1(dirs: ReadonlyMap<string, string>, rel: string, files: FileBatch): UsageFiles {
  const read = v1Reader(dirs, rel, files);
  return {
    cfs: read('cpu', 'cpu.stat', parseCpuStatV1),
    memory: read('memory', 'memory.stat', parseMemoryStatV1),
    oomKills: read('memory', 'memory.oom_control', parseOomControl),
    io: readBlkio(containerDir(dirs, 'blkio', rel), files),
  };
}

export function readSpecV1(dirs: ReadonlyMap<string, string>, rel: string, files: FileBatch): SpecFiles {
  const read = v1Reader(dirs, rel, files);
  return {
    quotaMicros: read('cpu', 'cpu.cfs_quota_us', parseCfsQuota),
    periodMicros: read('cpu', 'cpu.cfs_period_us', parseInteger),
    shares: read('cpu', 'cpu.shares', parseInteger),
    limit: read('memory', 'memory.limit_in_bytes', parseMemoryLimitV1),
  };
}

/**
 * The throttle files count every bio the cgroup issues, whatever the I/O
 * scheduler (the CFQ/BFQ files count only on devices using that scheduler).
 * The _recursive variants are preferred; kernels before 4.x lack them.
 */
function readBlkio(dir: string | undefined, files: FileBatch): RawDeviceIo[] {
  if (dir === undefined) return [];
  const pair = (suffix: string) => [
    files.parse(under(dir, `blkio.throttle.io_service_bytes${suffix}`), parseBlkioThrottle),
    files.parse(under(dir, `blkio.throttle.io_serviced${suffix}`), parseBlkioThrottle),
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
