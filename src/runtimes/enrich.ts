// What the agent derives once per container from its verbose status: facts
// that never change for a container ID, so they are computed when the
// container is first seen and kept with it. The large verbose documents are
// not kept.
import type { ContainerDetail } from '../cri/types.js';
import { cgroupPathFromInfo } from './cgroup-path.js';
import { infoDoc, pidOf } from './info-doc.js';
import type { WritableLayer } from './writable-layer.js';

export interface Enrichment {
  /** cgroupsPath from the OCI spec; '' when the runtime does not say. */
  readonly cgroupPath: string;
  /** Set when runtime-specific code resolved the writable layer. */
  readonly writableLayer?: WritableLayer;
  /**
   * True when a runtime-native source failed in a way that may pass (API
   * down, deadline): the poller asks the adapter again later with the same
   * status, without another CRI call, until the answer is final.
   */
  readonly retry?: boolean;
  /**
   * The container's process as the runtime reports it, in the host's PID
   * namespace (the runtime runs on the host): what --host-proc paths are
   * built from without the agent sharing that namespace. 0 when unknown.
   */
  readonly pid?: number;
}

export type Enricher = (detail: ContainerDetail) => Promise<Enrichment> | Enrichment;

/** containerd, CRI-O and cri-dockerd all put the PID at the top of the verbose info document. */
export function pidFromInfo(info: Readonly<Record<string, string>>): number {
  return pidOf(infoDoc(info)?.pid);
}

/** What verbose info gives on any runtime. */
export const enrichFromInfo: Enricher = (detail) => ({ cgroupPath: cgroupPathFromInfo(detail.info), pid: pidFromInfo(detail.info) });
