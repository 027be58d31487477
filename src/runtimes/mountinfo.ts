// The kernel's mount tables (/proc/<pid>/mountinfo) under --host-proc: the
// ground truth of where a container's root filesystem is mounted on the host
// and which overlay directories it stacks. Parsing is kept apart from I/O.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MountEntry {
  /** Path of the mount point, as seen in the namespace of the process whose table this is. */
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
  /** Per-superblock options, e.g. "upperdir=/…/fs" for overlay. */
  readonly superOptions: readonly string[];
}

/** Parses mountinfo text (proc(5)); malformed lines are skipped. */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = splitOnce(line, ' - ');
    if (right === undefined) continue;
    const mountPoint = left.split(' ')[4];
    const [fsType, source, options] = right.split(' ');
    if (mountPoint === undefined || fsType === undefined) continue;
    out.push({
      mountPoint: unescapeOctal(mountPoint),
      fsType,
      source: unescapeOctal(source ?? ''),
      superOptions: (options ?? '').split(',').filter((o) => o !== '').map(unescapeOctal),
    });
  }
  return out;
}

/** Value of a "name=value" option; undefined when absent. */
export function optionValue(options: readonly string[], name: string): string | undefined {
  const prefix = `${name}=`;
  return options.find((o) => o.startsWith(prefix))?.slice(prefix.length);
}

/** The mount table of `pid` as the host sees it; undefined when unreadable (process gone, no --host-proc). */
export async function readMountTable(hostProc: string, pid: number): Promise<MountEntry[] | undefined> {
  try {
    return parseMountInfo(await readFile(join(hostProc, String(pid), 'mountinfo'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Parent PID of `pid`, from /proc/<pid>/stat; undefined when unreadable. */
export async function parentPid(hostProc: string, pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(join(hostProc, String(pid), 'stat'), 'utf8');
    // comm (field 2) may hold spaces and parentheses; state and ppid follow the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `s` as a string of its own, for a path that outlives the table it was read
 * from. V8 keeps a substring of a long string as a slice of it, so one path
 * kept per container would keep that container's whole mount table text
 * alive (140 KiB at 110 pods on containerd, more with volumes).
 */
export function detached(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** The mount the process sees as "/" (the last one stacked there). */
export function rootMount(entries: readonly MountEntry[]): MountEntry | undefined {
  return entries.filter((e) => e.mountPoint === '/').at(-1);
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** mountinfo writes space, tab, newline and backslash in paths as \ooo. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
