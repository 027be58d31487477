// Shapes shared by cgroup v1 and v2 files: "key value" lines (memory.stat,
// cpu.stat, memory.oom_control, memory.events) and files holding one number.

/**
 * "key value" lines → map. Lines that are not a key and one unsigned integer
 * are skipped: kernels add keys (and v2 memory.stat has none of another shape
 * today), and one odd line must not cost the whole file.
 */
export function parseKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\d+)\s*$/.exec(line);
    if (m) out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

/** A file that holds one integer (may be negative, e.g. cpu.cfs_quota_us = -1). */
export function parseInteger(text: string): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new Error(`expected an integer, found ${JSON.stringify(trimmed.slice(0, 40))}`);
  return Number(trimmed);
}

/** The first of `keys` that the map has, e.g. total_cache before cache. */
export function firstOf(values: ReadonlyMap<string, number>, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = values.get(k);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * Above this a memory limit means "no limit": the kernel rounds the
 * unlimited value (2^63-1) down to a page multiple, so it is not one fixed
 * number. cAdvisor uses the same cut-off and reports such limits as 0.
 */
export const UNLIMITED_MEMORY = 2 ** 62;

export function memoryLimit(bytes: number): number {
  return bytes > UNLIMITED_MEMORY ? 0 : bytes;
}
