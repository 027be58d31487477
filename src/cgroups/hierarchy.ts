// Where each controller's files are under --host-cgroup-root: one unified
// tree (cgroup v2), or one directory per v1 controller (possibly co-mounted,
// as "cpu,cpuacct"). Detected once per root, not per container.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type CgroupLayout =
  | { readonly version: 2; readonly root: string }
  | { readonly version: 1; readonly root: string; readonly controllers: ReadonlyMap<string, string> };

/** The v1 controllers whose files the agent reads. */
export const V1_CONTROLLERS = ['cpu', 'memory', 'blkio', 'pids'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** The layout under `root`, or undefined when no cgroup filesystem the agent can use is there. */
export async function detectLayout(root: string): Promise<CgroupLayout | undefined> {
  // Only the root of a v2 mount has cgroup.controllers; a v1 root is a tmpfs of mounts.
  if (await exists(join(root, 'cgroup.controllers'))) return { version: 2, root };
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return undefined;
  }
  const controllers = new Map<string, string>();
  for (const entry of entries.sort()) {
    for (const name of entry.split(',')) {
      const wanted = (V1_CONTROLLERS as readonly string[]).includes(name);
      if (wanted && !controllers.has(name) && await exists(join(root, entry, 'cgroup.procs'))) {
        controllers.set(name, join(root, entry));
      }
    }
  }
  return controllers.size === 0 ? undefined : { version: 1, root, controllers };
}

/** Rejects cgroup paths that would leave the hierarchy; the path comes from the runtime. */
export function safeRelative(cgroupPath: string): string | undefined {
  const parts = cgroupPath.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p === '..' || p === '.')) return undefined;
  return parts.join('/');
}

/**
 * `rel` (a safeRelative() path) under the directory `dir`, by concatenation:
 * path.join's normalising is not needed for these and is a cost paid for
 * every file of every container on every poll.
 */
export function under(dir: string, rel: string): string {
  return dir.endsWith('/') ? dir + rel : `${dir}/${rel}`;
}
