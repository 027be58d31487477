// Reads of host pseudo-files where "gone" is an answer, not an error: the
// cgroup and /proc entries of a container that exited vanish between the
// runtime listing it and the agent reading them.
//
// The reads are synchronous on purpose. cgroupfs and procfs answer from
// kernel memory and never wait on a disk, so the thread pool buys nothing,
// while a promise-based read costs several times the CPU of the read itself
// (measured: 150 containers × 9 files, 93 ms async, 9 ms sync). Callers keep
// the event loop free by reading in short slices (poller/time-slicer.ts).
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { HostFileError } from './host-file-error.js';

// ENODEV: a cgroup file whose controller is being torn down; ESRCH: a /proc entry of an exiting process.
const GONE = new Set(['ENOENT', 'ENODEV', 'ESRCH']);

export function isGone(err: unknown): boolean {
  return GONE.has((err as NodeJS.ErrnoException).code ?? '');
}

/** The file's text, or undefined when it does not exist (any more). */
export function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (isGone(err)) return undefined;
    throw new HostFileError(path, err as Error);
  }
}

/** The link's target, or undefined when it does not exist (any more). */
export function readlinkIfPresent(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch (err) {
    if (isGone(err)) return undefined;
    throw new HostFileError(path, err as Error);
  }
}

/**
 * Whether `path` exists. A missing path costs no exception (throwIfNoEntry),
 * which matters when a runtime lists many containers whose cgroups are gone:
 * building an error object is most of the cost of a failed read.
 */
export function isPresent(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    if (isGone(err)) return false;
    throw new HostFileError(path, err as Error);
  }
}

/** The file system calls a FileBatch makes; a seam for tests that count them. */
export interface HostFiles {
  read(path: string): string | undefined;
  isPresent(path: string): boolean;
  /** Once per poll, after its reads: lets go of what the files kept for paths not read in that poll. */
  sweep?(): void;
}

export const hostFiles: HostFiles = { read: readIfPresent, isPresent };

/**
 * Reads and parses several files of one container, collecting failures
 * instead of throwing, so one unreadable file costs one value, not all.
 */
export class FileBatch {
  readonly failures: string[] = [];
  /** How many of the files asked for existed. */
  found = 0;

  constructor(private readonly files: HostFiles = hostFiles) {}

  /** False when the directory is gone, or could not be examined (then a failure says why). */
  hasDir(path: string): boolean {
    try {
      return this.files.isPresent(path);
    } catch (err) {
      this.failures.push((err as Error).message);
      return false;
    }
  }

  parse<T>(path: string, parser: (text: string) => T): T | undefined {
    let text: string | undefined;
    try {
      text = this.files.read(path);
    } catch (err) {
      this.failures.push((err as Error).message);
      return undefined;
    }
    if (text === undefined) return undefined;
    this.found++;
    try {
      return parser(text);
    } catch (err) {
      this.failures.push(new HostFileError(path, err as Error).message);
      return undefined;
    }
  }
}
