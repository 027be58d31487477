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

/** Where a controller's file of the container `rel` is; undefined when the host has no such controller. */
type V1Path = (controller: V1Controller, file: string) => string | undefined;

function v1Paths(dirs: ReadonlyMap<string, string>, rel: string): V1Path {
  return (controller, file) => {
    const dir = dirs.get(controller);
    return dir === undefined ? undefined : under(under(dir, rel), file);
  };
}

function parser(files: FileBatch) {
  return <T>(path: string | undefined, parse: (text: string) => T) => (path === undefined ? undefined : files.parse(path, parse));
}

export function readUsageV1(dirs: ReadonlyMap<string, string>, rel: string, files: FileBatch): UsageFiles {
  const at = v1Paths(dirs, rel);
  const parse = parser(files);
  return {
    cfs: parse(at('cpu', 'cpu.stat'), parseCpuStatV1),
    memory: parse(at('memory', 'memory.stat'), parseMemoryStatV1),
    oomKills: parse(at('memory', 'memory.oom_control'), parseOomControl),
    io: readBlkio(blkioDir(dirs, rel), files),
  };
}

export function readSpecV1(dirs: ReadonlyMap<string, string>, rel: string, files: FileBatch): SpecFiles {
  const at = v1Paths(dirs, rel);
  const parse = parser(files);
  return {
    quotaMicros: parse(at('cpu', 'cpu.cfs_quota_us'), parseCfsQuota),
    periodMicros: parse(at('cpu', 'cpu.cfs_period_us'), parseInteger),
    shares: parse(at('cpu', 'cpu.shares'), parseInteger),
    limit: parse(at('memory', 'memory.limit_in_bytes'), parseMemoryLimitV1),
  };
}

function blkioDir(dirs: ReadonlyMap<string, string>, rel: string): string | undefined {
  const dir = dirs.get('blkio');
  return dir === undefined ? undefined : under(dir, rel);
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
