// Log files → Prometheus HTTP service-discovery target groups. Pure: the
// snapshot and what the agent saw in each log directory come in as
// arguments, so every label is tested on literals.
//
// Label stability: every label of a group is fixed for the life of its file
// (identity, pod labels, attempt, runtime, format, rotated), except
// `__meta_cri_state`, which follows the container (running → exited) by
// design; docs/log-shippers.md says why that is safe and how not to make it
// unsafe.
import { posix } from 'node:path';
import type { Container, Snapshot } from '../poller/snapshot.js';
import { rotatedSiblings } from './rotation.js';

/** One element of the http_sd array: exactly these two keys. */
export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** What the agent found when it read one log directory. */
export type DirListing =
  | { readonly kind: 'listed'; readonly names: ReadonlySet<string> }
  /** ENOENT: the directory (and so every file in it) is gone. */
  | { readonly kind: 'missing' }
  /** Any other error: the agent cannot tell, so it takes the runtime's word. */
  | { readonly kind: 'unreadable'; readonly message: string };

export interface Candidate {
  readonly container: Container;
  /** Gone from the runtime, kept for --removed-grace. */
  readonly departed: boolean;
}

export interface TargetOptions {
  readonly nodeName: string;
  /** Also list the kubelet's rotated files of each log. */
  readonly rotated: boolean;
  /** Prepended to every path, for a consumer that mounts the host's / elsewhere; '' for none. */
  readonly pathPrefix: string;
  /** The listing of a log directory; undefined when it was not read. */
  readonly listing: (dir: string) => DirListing | undefined;
}

// The kubelet adds these to the pod's labels on the sandbox; Kubernetes SD
// does not report them as pod labels, so neither do we.
const KUBELET_SANDBOX_LABELS = new Set(['io.kubernetes.pod.name', 'io.kubernetes.pod.namespace', 'io.kubernetes.pod.uid']);

/**
 * Prometheus's rule for the tail of a generated label name: every character
 * outside [a-zA-Z0-9_] (per code point, not per UTF-16 unit) becomes `_`.
 * A leading digit is left alone, as Kubernetes SD does, because the result
 * always follows a prefix.
 */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/gu, '_');
}

/**
 * Containers whose logs are discoverable: the runtime's, then the departed
 * ones. A departed container is reported `exited`: the runtime stops a
 * container before removing it, whatever the last poll saw.
 */
export function candidates(snapshot: Snapshot): Candidate[] {
  const live = snapshot.containers.map((container) => ({ container, departed: false }));
  const gone = snapshot.departed.map((d) => ({
    container: d.container.state === 'exited' ? d.container : { ...d.container, state: 'exited' as const },
    departed: true,
  }));
  return [...live, ...gone].filter((c) => c.container.logPath !== '');
}

/** Directories that must be read to answer: rotated siblings, or whether a departed file still exists. */
export function directoriesToRead(list: readonly Candidate[], rotated: boolean): string[] {
  const dirs = new Set<string>();
  for (const c of list) if (rotated || c.departed) dirs.add(posix.dirname(c.container.logPath));
  return [...dirs].sort();
}

export function logTargetGroups(list: readonly Candidate[], opts: TargetOptions): TargetGroup[] {
  const seen = new Set<string>();
  const out: { container: Container; path: string; group: TargetGroup }[] = [];
  // Live containers first, so that if a departed one shares a path with a
  // live one (the same file), the live one's labels win.
  for (const c of [...list].sort((a, b) => Number(a.departed) - Number(b.departed))) {
    const labels = containerLabels(c.container, opts.nodeName);
    for (const file of filesOf(c, opts)) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      const group = {
        // http_sd needs a non-empty target; --node-name '' must not break the contract.
        targets: [opts.nodeName || 'localhost'],
        labels: { __path__: withPrefix(opts.pathPrefix, file.path), ...labels, __meta_cri_rotated: String(file.rotated) },
      };
      out.push({ container: c.container, path: file.path, group });
    }
  }
  return out.sort((a, b) => compareContainers(a.container, b.container) || cmp(a.path, b.path)).map((e) => e.group);
}

/** The labels every file of a container carries. */
export function containerLabels(c: Container, nodeName: string): Record<string, string> {
  return {
    __meta_kubernetes_namespace: c.pod.namespace,
    __meta_kubernetes_pod_name: c.pod.name,
    __meta_kubernetes_pod_uid: c.pod.uid,
    __meta_kubernetes_pod_container_name: c.name,
    // The kubelet's containerID form, `<runtime type>://<id>`, as in the pod status.
    __meta_kubernetes_pod_container_id: `${c.runtime.name}://${c.id}`,
    __meta_kubernetes_pod_node_name: nodeName,
    ...podLabelMeta(c.pod.labels),
    __meta_cri_container_id: c.id,
    __meta_cri_attempt: String(c.attempt),
    __meta_cri_state: c.state,
    __meta_cri_runtime: c.runtime.name,
    __meta_cri_log_format: c.logFormat,
  };
}

/**
 * `..._pod_label_<name>` and `..._pod_labelpresent_<name>` as Kubernetes SD
 * writes them. Two keys that sanitise alike (`a.b`, `a_b`): the first in
 * sorted order wins, so the answer does not depend on map order.
 */
function podLabelMeta(podLabels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(podLabels).sort()) {
    if (KUBELET_SANDBOX_LABELS.has(key)) continue;
    const name = sanitizeLabelName(key);
    if (Object.hasOwn(out, `__meta_kubernetes_pod_label_${name}`)) continue;
    out[`__meta_kubernetes_pod_label_${name}`] = podLabels[key] ?? '';
    out[`__meta_kubernetes_pod_labelpresent_${name}`] = 'true';
  }
  return out;
}

interface LogFile {
  readonly path: string;
  readonly rotated: boolean;
}

/**
 * The live log file and, when asked, its rotated siblings. A departed
 * container's file is dropped once the agent sees it is gone; a live
 * container's is always listed, because the runtime vouches for it and it is
 * briefly absent while the kubelet rotates it.
 */
function filesOf(c: Candidate, opts: TargetOptions): LogFile[] {
  const path = c.container.logPath;
  const dir = posix.dirname(path);
  const base = posix.basename(path);
  const listing = opts.listing(dir);
  const exists = !c.departed || listing === undefined || listing.kind === 'unreadable'
    || (listing.kind === 'listed' && listing.names.has(base));
  const files: LogFile[] = exists ? [{ path, rotated: false }] : [];
  if (opts.rotated && listing?.kind === 'listed') {
    for (const name of rotatedSiblings(base, listing.names)) files.push({ path: posix.join(dir, name), rotated: true });
  }
  return files;
}

function withPrefix(prefix: string, path: string): string {
  return prefix === '' ? path : prefix + path;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareContainers(a: Container, b: Container): number {
  return cmp(a.pod.namespace, b.pod.namespace) || cmp(a.pod.name, b.pod.name) || cmp(a.name, b.name)
    || a.attempt - b.attempt || cmp(a.id, b.id);
}
