// What the agent takes from a Docker container-inspect document. Pure, so it
// is tested on documents recorded from a real dockerd (test/fixtures/docker).
import type { WritableLayer } from './writable-layer.js';

export interface DockerInspection {
  /** From GraphDriver.Data: host paths as the daemon sees them. */
  readonly writableLayer: WritableLayer;
  /** The OCI cgroupsPath Docker gave the container; '' when it cannot be told from the document. */
  readonly cgroupPath: string;
  /**
   * Docker's own json-file log. Informative only: under cri-dockerd and
   * dockershim the CRI log path (what the agent serves) is the kubelet's
   * symlink to this file.
   */
  readonly logPath: string;
}

interface InspectDoc {
  Id?: unknown;
  LogPath?: unknown;
  HostConfig?: { CgroupParent?: unknown } | null;
  GraphDriver?: { Name?: unknown; Data?: Record<string, unknown> | null } | null;
}

/** undefined when `doc` is not an inspect document of container `id`. */
export function parseInspect(doc: unknown, id: string): DockerInspection | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as InspectDoc;
  if (d.Id !== id) return undefined;
  return {
    writableLayer: layerOf(d.GraphDriver),
    cgroupPath: dockerCgroupsPath(str(d.HostConfig?.CgroupParent), id),
    logPath: str(d.LogPath),
  };
}

/**
 * overlay2 (and fuse-overlayfs) name both paths. Other storage drivers
 * (btrfs, zfs, devicemapper, vfs, the containerd image store) name neither,
 * which is reported as an incomplete answer rather than guessed.
 */
function layerOf(driver: InspectDoc['GraphDriver']): WritableLayer {
  const data = driver?.Data ?? {};
  const mergedDir = str(data.MergedDir);
  const upperDir = str(data.UpperDir);
  return { mergedDir, upperDir, source: 'docker-api', complete: mergedDir !== '' && upperDir !== '' };
}

/**
 * Docker builds cgroupsPath from HostConfig.CgroupParent: with the systemd
 * driver `<slice>:docker:<id>`, with cgroupfs `<parent>/<id>`. The kubelet
 * always sets the parent (a bare `*.slice` name under systemd, an absolute
 * path under cgroupfs), so its form tells the driver. An empty parent means
 * the daemon's default, which depends on its driver and --cgroup-parent,
 * neither of which the document shows.
 */
export function dockerCgroupsPath(parent: string, id: string): string {
  if (parent === '') return '';
  if (parent.endsWith('.slice') && !parent.includes('/')) return `${parent}:docker:${id}`;
  return `${parent.replace(/\/+$/, '')}/${id}`;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
