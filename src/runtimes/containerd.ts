// containerd: the container's snapshot (named in verbose info) is asked of
// containerd's own Snapshots API for its upper dir, and its rootfs mount is
// found in the host's mount tables for the merged dir. When the native API
// cannot answer, what verbose info and the mount tables give is kept, marked
// incomplete, and asked again later.
import type { ContainerDetail } from '../cri/types.js';
import type { RuntimeAdapter } from './adapter.js';
import { ContainerdApiError } from './containerd-api-error.js';
import { parseContainerdInfo, type ContainerdInfo } from './containerd-info.js';
import { findRootfs } from './containerd-rootfs.js';
import { SnapshotsClient, type SnapshotMount, type SnapshotsApi } from './containerd-snapshots.js';
import { Cooldown } from './cooldown.js';
import type { Enrichment } from './enrich.js';
import type { AdapterDeps } from './index.js';
import { MountTables } from './mount-tables.js';
import { optionValue } from './mountinfo.js';
import type { WritableLayer } from './writable-layer.js';

/** Upper dir from the Snapshots API; complete once the merged dir was found mounted too. */
export const SOURCE_SNAPSHOTS = 'containerd-snapshots';
/** The Snapshots API did not answer: verbose info and mount tables only, never complete. */
export const SOURCE_VERBOSE = 'cri-verbose';

/** How long the Snapshots API is left alone after it proved unreachable. */
const API_COOLDOWN_MS = 30_000;

export interface ContainerdAdapterOptions {
  /** Defaults to a client on the CRI endpoint (containerd serves both on one socket). */
  readonly snapshots?: SnapshotsApi;
  readonly now?: () => number;
}

interface Context {
  readonly snapshots: SnapshotsApi;
  readonly cooldown: Cooldown;
  readonly tables: MountTables;
}

export function containerdAdapter(deps: AdapterDeps, opts: ContainerdAdapterOptions = {}): RuntimeAdapter {
  const ctx: Context = {
    snapshots: opts.snapshots ?? new SnapshotsClient(deps.runtimeEndpoint, deps.timeoutMs),
    cooldown: new Cooldown(API_COOLDOWN_MS, opts.now),
    tables: new MountTables(deps.hostProc),
  };
  return {
    type: 'containerd',
    enrich: (detail) => enrich(detail, ctx),
    // containerd's stats name the snapshotter's root, the same for every container.
    writableLayerFromStats: () => undefined,
    close: () => {
      ctx.snapshots.close();
      ctx.tables.clear();
    },
  };
}

async function enrich(detail: ContainerDetail, ctx: Context): Promise<Enrichment> {
  const info = parseContainerdInfo(detail.info);
  const cgroupPath = info?.cgroupsPath ?? '';
  // Given here, the poller need not parse the info document a second time for it.
  const pid = info?.pid ?? 0;
  try {
    return { cgroupPath, pid, ...(await resolveLayer(detail.id, info, ctx)) };
  } catch {
    // Every read and call above degrades by itself; this guard keeps a
    // surprise from costing the container its CRI data (log path, times).
    return { cgroupPath, pid, writableLayer: { mergedDir: '', upperDir: '', source: SOURCE_VERBOSE, complete: false }, retry: true };
  }
}

async function resolveLayer(id: string, info: ContainerdInfo | undefined, ctx: Context): Promise<Pick<Enrichment, 'writableLayer' | 'retry'>> {
  const asked = await askSnapshots(info, ctx);
  const rootfs = await findRootfs(ctx.tables, {
    id, pid: info?.pid ?? 0, rootPath: info?.rootPath ?? '', upperDir: asked.upperDir ?? '',
  });
  const mergedDir = rootfs?.mergedDir ?? '';
  if (asked.upperDir !== undefined) {
    const complete = asked.upperDir !== '' && rootfs?.found === 'mount-table';
    return { writableLayer: layer(mergedDir, asked.upperDir, SOURCE_SNAPSHOTS, complete) };
  }
  return { writableLayer: layer(mergedDir, rootfs?.upperDir ?? '', SOURCE_VERBOSE, false), retry: asked.retry };
}

interface Asked {
  /** undefined when the API gave no answer; '' when it answered with no writable dir (e.g. a block device). */
  readonly upperDir?: string;
  /** The failure may pass: ask again later. */
  readonly retry: boolean;
}

async function askSnapshots(info: ContainerdInfo | undefined, ctx: Context): Promise<Asked> {
  if (!info || info.snapshotter === '' || info.snapshotKey === '') return { retry: false };
  if (!ctx.cooldown.open) return { retry: true };
  try {
    return { upperDir: upperDirOf(await ctx.snapshots.mounts(info.snapshotter, info.snapshotKey)), retry: false };
  } catch (err) {
    const apiError = err instanceof ContainerdApiError ? err : undefined;
    if (apiError?.apiDown) ctx.cooldown.trip();
    // NOT_FOUND: the container went away between ContainerStatus and now; nothing to ask again.
    return { retry: apiError?.code !== 'NOT_FOUND' };
  }
}

/**
 * The writable dir of a snapshot's mounts: overlay's upperdir; for a bind
 * mount (a snapshot without parents, or the native snapshotter) the bound
 * dir itself; '' for anything else, such as devmapper's block device.
 */
export function upperDirOf(mounts: readonly SnapshotMount[]): string {
  const m = mounts[0];
  if (m === undefined) return '';
  if (m.type.includes('overlay')) return optionValue(m.options, 'upperdir') ?? '';
  return m.type === 'bind' || m.type === 'rbind' ? m.source : '';
}

function layer(mergedDir: string, upperDir: string, source: string, complete: boolean): WritableLayer {
  return { mergedDir, upperDir, source, complete };
}
