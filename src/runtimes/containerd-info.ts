// What containerd's CRI plugin puts in verbose ContainerStatus info (the
// "info" key, a JSON document): the snapshot that holds the container's root
// filesystem, its init PID and its OCI spec.
import { infoDoc, pidOf, record, text } from './info-doc.js';

export interface ContainerdInfo {
  /** Snapshotter plugin, e.g. "overlayfs"; '' when absent. */
  readonly snapshotter: string;
  /** Key of the container's active snapshot (the CRI plugin uses the container ID). */
  readonly snapshotKey: string;
  /** Host PID of the container's init process; 0 unless the container runs. */
  readonly pid: number;
  /** OCI spec root.path: "rootfs", relative to the task's bundle directory. */
  readonly rootPath: string;
  /** OCI spec linux.cgroupsPath; '' when absent. */
  readonly cgroupsPath: string;
}

/** undefined when there is no info document or it is not a JSON object. */
export function parseContainerdInfo(info: Readonly<Record<string, string>>): ContainerdInfo | undefined {
  const o = infoDoc(info);
  if (!o) return undefined;
  const spec = record(o.runtimeSpec);
  return {
    snapshotter: text(o.snapshotter),
    snapshotKey: text(o.snapshotKey),
    pid: pidOf(o.pid),
    rootPath: text(record(spec.root).path),
    cgroupsPath: text(record(spec.linux).cgroupsPath),
  };
}
