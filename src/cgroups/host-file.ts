// Reads of host pseudo-files where "gone" is an answer, not an error: the
// cgroup and /proc entries of a container that exited vanish between the
// runtime listing it and the agent reading them.
import { readFile, readlink } from 'node:fs/promises';
import { HostFileError } from './host-file-error.js';

// ENODEV: a cgroup file whose controller is being torn down; ESRCH: a /proc entry of an exiting process.
const GONE = new Set(['ENOENT', 'ENODEV', 'ESRCH']);

function isGone(err: unknown): boolean {
  return GONE.has((err as NodeJS.ErrnoException).code ?? '');
}

/** The file's text, or undefined when it does not exist (any more). */
export async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isGone(err)) return undefined;
    throw new HostFileError(path, err as Error);
  }
}

/** The link's target, or undefined when it does not exist (any more). */
export async function readlinkIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch (err) {
    if (isGone(err)) return undefined;
    throw new HostFileError(path, err as Error);
  }
}

/**
 * Reads and parses several files of one container, collecting failures
 * instead of throwing, so one unreadable file costs one value, not all.
 */
export class FileBatch {
  readonly failures: string[] = [];
  /** How many of the files asked for existed. */
  found = 0;

  async parse<T>(path: string, parser: (text: string) => T): Promise<T | undefined> {
    let text: string | undefined;
    try {
      text = await readIfPresent(path);
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
