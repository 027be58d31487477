// Pure parsers of cgroup v2 (unified hierarchy) files.
import { keyedValue, memoryLimit, parseInteger } from './parse-common.js';
import type { CfsStats, MemoryStat } from './parse-v1.js';

/** cpu.stat: nr_periods, nr_throttled, throttled_usec; absent when the cpu controller is not enabled. */
export function parseCpuStatV2(text: string): CfsStats {
  const us = keyedValue(text, 'throttled_usec');
  return { periods: keyedValue(text, 'nr_periods'), throttledPeriods: keyedValue(text, 'nr_throttled'), throttledSeconds: us === undefined ? undefined : us / 1e6 };
}

export interface CpuMax {
  /** Undefined for "max" (no quota). */
  readonly quotaMicros?: number;
  readonly periodMicros: number;
}

/** cpu.max: "$MAX $PERIOD", where $MAX is "max" or microseconds. */
export function parseCpuMax(text: string): CpuMax {
  const m = /^(max|\d+)\s+(\d+)\s*$/.exec(text.trim());
  if (!m) throw new Error(`expected "max|<quota> <period>", found ${JSON.stringify(text.trim().slice(0, 40))}`);
  return { quotaMicros: m[1] === 'max' ? undefined : Number(m[1]), periodMicros: Number(m[2]) };
}

/**
 * cpu.weight (1..10000) → the cpu.shares (2..262144) it stands for, the
 * inverse of the linear map runc and the kubelet use to turn shares into a
 * weight, so that container_spec_cpu_shares means the same on v1 and v2.
 */
export function parseCpuWeightAsShares(text: string): number {
  const weight = parseInteger(text);
  if (weight < 1 || weight > 10_000) throw new Error(`cpu.weight ${weight} is outside 1..10000`);
  return 2 + Math.floor(((weight - 1) * 262_142) / 9_999);
}

/** memory.max: "max" or bytes; 0 when unlimited. */
export function parseMemoryMax(text: string): number {
  return text.trim() === 'max' ? 0 : memoryLimit(parseInteger(text));
}

/** memory.stat: "file" is the page cache, "file_mapped" the mapped files. */
export function parseMemoryStatV2(text: string): MemoryStat {
  return { cacheBytes: keyedValue(text, 'file'), mappedFileBytes: keyedValue(text, 'file_mapped') };
}

/** memory.events: oom_kill counts processes the OOM killer killed in this cgroup and below. */
export function parseMemoryEvents(text: string): number | undefined {
  return keyedValue(text, 'oom_kill');
}

export interface IoStatEntry {
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly reads: number;
  readonly writes: number;
}

/** io.stat: "major:minor rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…" per device. */
export function parseIoStat(text: string): Map<string, IoStatEntry> {
  const out = new Map<string, IoStatEntry>();
  for (const line of text.split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    if (dev === undefined || !/^\d+:\d+$/.test(dev)) continue;
    const v = new Map<string, number>();
    for (const pair of pairs) {
      const m = /^(\w+)=(\d+)$/.exec(pair);
      if (m) v.set(m[1] as string, Number(m[2]));
    }
    out.set(dev, { readBytes: v.get('rbytes') ?? 0, writeBytes: v.get('wbytes') ?? 0, reads: v.get('rios') ?? 0, writes: v.get('wios') ?? 0 });
  }
  return out;
}
