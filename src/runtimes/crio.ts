// CRI-O: the runtime names each container's overlay mount (the merged dir)
// itself, in verbose info (the io.kubernetes.cri-o.MountPoint annotation and
// the OCI root path) and per poll in stats (writable_layer.fs_id.mountpoint).
// containers/storage keeps a layer's own writable dir next to its mount
// point: <graphroot>/overlay/<layer>/diff beside …/merged (a layer without
// lower layers is not mounted at all and its mount point is the diff dir).
// That upper dir is derived from the layout, so it counts as exact only once
// the container's own mount table shows it as the overlay's upperdir.
import type { ContainerDetail, ContainerUsage } from '../cri/types.js';
import type { RuntimeAdapter } from './adapter.js';
import type { Enrichment } from './enrich.js';
import type { AdapterDeps } from './index.js';
import { infoDoc, pidOf, record, text } from './info-doc.js';
import { optionValue, readMountTable, rootMount } from './mountinfo.js';
import type { WritableLayer } from './writable-layer.js';

/** Merged dir from verbose info; complete when the kernel confirms the derived upper dir. */
export const SOURCE_VERBOSE = 'crio-verbose';
/** Merged dir from ContainerStats, when verbose info lacks it; never complete. */
export const SOURCE_STATS = 'cri-stats';

const MOUNT_POINT_ANNOTATION = 'io.kubernetes.cri-o.MountPoint';

export function crioAdapter(deps: AdapterDeps): RuntimeAdapter {
  return {
    type: 'cri-o',
    enrich: (detail) => enrich(detail, deps.hostProc),
    writableLayerFromStats: layerFromStats,
    close: () => undefined,
  };
}

interface CrioInfo {
  readonly mountPoint: string;
  readonly pid: number;
  readonly cgroupsPath: string;
}

async function enrich(detail: ContainerDetail, hostProc: string): Promise<Enrichment> {
  const info = parseCrioInfo(detail.info);
  if (!info || info.mountPoint === '') return { cgroupPath: info?.cgroupsPath ?? '' };
  const upperDir = upperDirBeside(info.mountPoint);
  const verified = upperDir !== '' && (await kernelShowsUpper(hostProc, info.pid, upperDir));
  return {
    cgroupPath: info.cgroupsPath,
    writableLayer: { mergedDir: info.mountPoint, upperDir, source: SOURCE_VERBOSE, complete: verified },
  };
}

/** Stats carry the same mount point every poll; used only when verbose info did not name it. */
export function layerFromStats(usage: ContainerUsage | undefined): WritableLayer | undefined {
  const mountPoint = usage?.writableLayer?.mountpoint ?? '';
  if (mountPoint === '') return undefined;
  return { mergedDir: mountPoint, upperDir: upperDirBeside(mountPoint), source: SOURCE_STATS, complete: false };
}

/** containers/storage overlay layout: …/<layer>/merged → …/<layer>/diff; a bare …/diff is its own upper. */
export function upperDirBeside(mountPoint: string): string {
  const path = mountPoint.replace(/\/+$/, '');
  if (path.endsWith('/merged')) return `${path.slice(0, -'merged'.length)}diff`;
  return path.endsWith('/diff') ? path : '';
}

/**
 * The container's root mount, in its own mount table, stacks `upperDir` as
 * its upperdir. containers/storage passes a path relative to its overlay dir
 * when the mount options would be too long, so a relative one matches by suffix.
 */
async function kernelShowsUpper(hostProc: string, pid: number, upperDir: string): Promise<boolean> {
  if (pid <= 0) return false;
  const root = rootMount((await readMountTable(hostProc, pid)) ?? []);
  const upper = root && optionValue(root.superOptions, 'upperdir');
  if (upper === undefined || upper === '') return false;
  return upper.startsWith('/') ? upper === upperDir : upperDir.endsWith(`/${upper}`);
}

/** CRI-O's info document: sandboxID, pid, runtimeSpec, privileged; some releases also a top-level mountPoint. */
export function parseCrioInfo(info: Readonly<Record<string, string>>): CrioInfo | undefined {
  const o = infoDoc(info);
  if (!o) return undefined;
  const spec = record(o.runtimeSpec);
  const rootPath = text(record(spec.root).path);
  const mountPoint = text(record(spec.annotations)[MOUNT_POINT_ANNOTATION]) || text(o.mountPoint)
    || (rootPath.startsWith('/') ? rootPath : '');
  return { mountPoint, pid: pidOf(o.pid), cgroupsPath: text(record(spec.linux).cgroupsPath) };
}
