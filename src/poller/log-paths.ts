// Container log paths as absolute host paths. Runtimes normally report the
// kubelet's two halves joined (<log_directory>/<log_path>); one that reports
// only the relative half leaves the directory to the sandbox. That is asked
// once per sandbox (verbose PodSandboxStatus), and only when one of its
// containers needs it, so steady-state polls make no extra calls.
import { posix } from 'node:path';
import type { RuntimeSource } from '../cri/source.js';
import type { ContainerSummary } from '../cri/types.js';

/** The kubelet's default pod log root, for a runtime that does not say where a pod logs. */
export const KUBELET_POD_LOGS_DIR = '/var/log/pods';

const POD_NAME = 'io.kubernetes.pod.name';
const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
const POD_UID = 'io.kubernetes.pod.uid';

interface Lookup {
  readonly dir: string;
  /** False when PodSandboxStatus failed: the next container of the sandbox asks again. */
  readonly answered: boolean;
}

export class SandboxLogDirs {
  private readonly dirs = new Map<string, Promise<Lookup>>();

  get size(): number {
    return this.dirs.size;
  }

  /** `logPath` as an absolute host path; '' when it is unknown or cannot be made absolute. */
  async resolve(source: RuntimeSource, c: ContainerSummary, logPath: string): Promise<string> {
    if (logPath === '' || posix.isAbsolute(logPath)) return logPath;
    const dir = await this.directory(source, c);
    return dir === '' ? '' : posix.join(dir, logPath);
  }

  /** Forgets sandboxes that no listed container belongs to any more. */
  retain(sandboxIds: ReadonlySet<string>): void {
    for (const id of this.dirs.keys()) if (!sandboxIds.has(id)) this.dirs.delete(id);
  }

  clear(): void {
    this.dirs.clear();
  }

  private async directory(source: RuntimeSource, c: ContainerSummary): Promise<string> {
    // The promise itself is cached, so containers of one new sandbox resolved
    // concurrently share a single call.
    let pending = this.dirs.get(c.sandboxId);
    if (!pending) {
      pending = lookUp(source, c);
      this.dirs.set(c.sandboxId, pending);
    }
    const found = await pending;
    if (!found.answered && this.dirs.get(c.sandboxId) === pending) this.dirs.delete(c.sandboxId);
    return found.dir;
  }
}

/** The runtime's word first; the kubelet's layout when it has none. */
async function lookUp(source: RuntimeSource, c: ContainerSummary): Promise<Lookup> {
  const fromLabels = { namespace: c.labels[POD_NAMESPACE] ?? '', name: c.labels[POD_NAME] ?? '', uid: c.labels[POD_UID] ?? '' };
  try {
    const sandbox = await source.podSandboxStatus(c.sandboxId);
    if (sandbox.logDirectory !== '') return { dir: sandbox.logDirectory, answered: true };
    const meta = sandbox.name !== '' && sandbox.namespace !== '' && sandbox.uid !== '' ? sandbox : fromLabels;
    return { dir: kubeletLayout(meta), answered: true };
  } catch {
    return { dir: kubeletLayout(fromLabels), answered: false };
  }
}

/** /var/log/pods/<namespace>_<name>_<uid>, as the kubelet lays pod logs out; '' without all three. */
export function kubeletLayout(pod: { readonly namespace: string; readonly name: string; readonly uid: string }): string {
  if (pod.namespace === '' || pod.name === '' || pod.uid === '') return '';
  return posix.join(KUBELET_POD_LOGS_DIR, `${pod.namespace}_${pod.name}_${pod.uid}`);
}
