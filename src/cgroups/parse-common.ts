// Shapes shared by cgroup v1 and v2 files: "key value" lines (memory.stat,
// cpu.stat, memory.oom_control, memory.events) and files holding one number.

const NEWLINE = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;

/** Space, tab, CR, vertical tab, form feed: the blanks a "key value" line may hold. */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

/**
 * The value of `key` in "key value" lines (memory.stat, cpu.stat,
 * memory.oom_control, memory.events); undefined when no line has that key,
 * or its line is not the key and one unsigned integer: kernels add keys, and
 * one odd line must not cost the whole file. Found by scanning the text, not
 * by splitting it into lines: these files are read for every container on
 * every poll, and memory.stat has some 40 lines of which two are wanted.
 */
export function keyedValue(text: string, key: string): number | undefined {
  if (key === '') return undefined;
  for (let from = 0; ;) {
    const at = text.indexOf(key, from);
    if (at < 0) return undefined;
    from = at + key.length;
    if ((at === 0 || text.charCodeAt(at - 1) === NEWLINE) && isBlank(text.charCodeAt(from))) return unsignedRest(text, from);
  }
}

/** The line from `i` on as blanks, an unsigned integer and blanks; else undefined. */
function unsignedRest(text: string, i: number): number | undefined {
  let j = i;
  while (j < text.length && isBlank(text.charCodeAt(j))) j++;
  const start = j;
  while (j < text.length && text.charCodeAt(j) >= ZERO && text.charCodeAt(j) <= NINE) j++;
  if (j === start) return undefined;
  const end = j;
  for (; j < text.length && text.charCodeAt(j) !== NEWLINE; j++) {
    if (!isBlank(text.charCodeAt(j))) return undefined;
  }
  return Number(text.slice(start, end));
}

/** A file that holds one integer (may be negative, e.g. cpu.cfs_quota_us = -1). */
export function parseInteger(text: string): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new Error(`expected an integer, found ${JSON.stringify(trimmed.slice(0, 40))}`);
  return Number(trimmed);
}

/** The value of the first of `keys` the text has, e.g. total_cache before cache. */
export function firstKeyed(text: string, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = keyedValue(text, k);
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
