// The label set cAdvisor puts on every container series, so kubelet
// dashboards and kube-state-metrics joins work unchanged.
import type { Container, Pod, Snapshot } from '../poller/snapshot.js';
import { cgroupIdOf } from '../runtimes/cgroup-path.js';
import { labelPairs } from './exposition.js';

export const CADVISOR_LABELS = ['id', 'name', 'image', 'pod', 'namespace', 'container', 'runtime'] as const;

/** Values in CADVISOR_LABELS order; cAdvisor names a CRI container by its ID. */
export function cadvisorLabels(c: Container): string[] {
  return [c.cgroupPath ? cgroupIdOf(c.cgroupPath) : '', c.id, c.image, c.pod.name, c.pod.namespace, c.name, c.runtime.name];
}

/** Pod-level series (network, processes) carry the sandbox as `name` and no container. */
export function podCadvisorLabels(p: Pod, s: Snapshot): string[] {
  return ['', p.id, '', p.name, p.namespace, '', s.runtime.type];
}

// Keyed by the (frozen) Container object: its labels cannot change under the
// cached bytes, and a container dropped from the snapshots frees its entry.
const prefixes = new WeakMap<Container, Buffer>();

/**
 * The container's escaped cAdvisor label pairs (`id="…",…,runtime="…"`) as
 * bytes, built once rather than for each of the ~30 series a container carries.
 */
export function cadvisorPrefix(c: Container): Buffer {
  let prefix = prefixes.get(c);
  if (prefix === undefined) {
    prefix = Buffer.from(labelPairs(CADVISOR_LABELS, cadvisorLabels(c)));
    prefixes.set(c, prefix);
  }
  return prefix;
}

// A pod's pairs also name the snapshot's runtime, so the entry remembers which.
const podPrefixes = new WeakMap<Pod, { readonly runtime: string; readonly bytes: Buffer }>();

/** The pod's escaped cAdvisor label pairs as bytes. */
export function podCadvisorPrefix(p: Pod, s: Snapshot): Buffer {
  const cached = podPrefixes.get(p);
  if (cached?.runtime === s.runtime.type) return cached.bytes;
  const bytes = Buffer.from(labelPairs(CADVISOR_LABELS, podCadvisorLabels(p, s)));
  podPrefixes.set(p, { runtime: s.runtime.type, bytes });
  return bytes;
}

/** `,a="x",b="y"` for labels appended after a prefix ('' when there are none), as bytes. */
export function extraPairs(extra: Readonly<Record<string, string>>): Buffer {
  const names = Object.keys(extra);
  return Buffer.from(names.length === 0 ? '' : `,${labelPairs(names, Object.values(extra))}`);
}

/**
 * `,name="value"` for one label appended after a prefix. The values seen
 * (interface and device names, states) are few, so their bytes are kept;
 * past a bound the cache starts over rather than grow with what a runtime sends.
 */
const pairs = new Map<string, Map<string, Buffer>>();
const MAX_VALUES = 4096;

export function extraPair(name: string, value: string): Buffer {
  let byValue = pairs.get(name);
  if (byValue === undefined) {
    byValue = new Map();
    pairs.set(name, byValue);
  }
  let bytes = byValue.get(value);
  if (bytes === undefined) {
    if (byValue.size >= MAX_VALUES) byValue.clear();
    bytes = Buffer.from(`,${labelPairs([name], [value])}`);
    byValue.set(value, bytes);
  }
  return bytes;
}
