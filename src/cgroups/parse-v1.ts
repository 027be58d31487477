// Pure parsers of cgroup v1 files (cpu, memory and blkio controllers), tested
// on contents recorded from a real container.
import { firstKeyed, keyedValue, memoryLimit, parseInteger } from './parse-common.js';

export interface CfsStats {
  readonly periods?: number;
  readonly throttledPeriods?: number;
  readonly throttledSeconds?: number;
}

/** cpu.stat: nr_periods, nr_throttled, throttled_time (nanoseconds). */
export function parseCpuStatV1(text: string): CfsStats {
  const ns = keyedValue(text, 'throttled_time');
  return { periods: keyedValue(text, 'nr_periods'), throttledPeriods: keyedValue(text, 'nr_throttled'), throttledSeconds: ns === undefined ? undefined : ns / 1e9 };
}

/** cpu.cfs_quota_us: -1 means no quota. */
export function parseCfsQuota(text: string): number | undefined {
  const quota = parseInteger(text);
  return quota < 0 ? undefined : quota;
}

export interface MemoryStat {
  readonly cacheBytes?: number;
  readonly mappedFileBytes?: number;
}

/**
 * memory.stat. The total_* keys include descendants; a container cgroup has
 * none, so they equal the plain keys there, and they are the right numbers
 * for a cgroup that does have children (which is what cAdvisor reports when
 * use_hierarchy is on, the only mode recent kernels have).
 */
export function parseMemoryStatV1(text: string): MemoryStat {
  return { cacheBytes: firstKeyed(text, 'total_cache', 'cache'), mappedFileBytes: firstKeyed(text, 'total_mapped_file', 'mapped_file') };
}

/** memory.limit_in_bytes; 0 when unlimited. */
export function parseMemoryLimitV1(text: string): number {
  return memoryLimit(parseInteger(text));
}

/** memory.oom_control: oom_kill exists since Linux 4.13. */
export function parseOomControl(text: string): number | undefined {
  return keyedValue(text, 'oom_kill');
}

/** Per device ("major:minor"), the Read and Write counts of a blkio.throttle.* file. */
export type BlkioCounts = Map<string, { read: number; write: number }>;

/**
 * blkio.throttle.io_service_bytes(_recursive) and io_serviced(_recursive):
 * "major:minor Op value" lines and a final "Total value". Only Read and
 * Write are kept: Sync, Async, Discard and Total overlap with them.
 */
export function parseBlkioThrottle(text: string): BlkioCounts {
  const out: BlkioCounts = new Map();
  for (const line of text.split('\n')) {
    const m = /^(\d+:\d+)\s+(Read|Write)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    const key = m[1] as string;
    const entry = out.get(key) ?? { read: 0, write: 0 };
    if (m[2] === 'Read') entry.read = Number(m[3]);
    else entry.write = Number(m[3]);
    out.set(key, entry);
  }
  return out;
}
