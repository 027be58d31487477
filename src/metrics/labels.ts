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
// cached text, and a container dropped from the snapshots frees its entry.
const prefixes = new WeakMap<Container, string>();

/**
 * The container's escaped cAdvisor label pairs (`id="…",…,runtime="…"`),
 * built once rather than for each of the ~17 series a container carries.
 */
export function cadvisorPrefix(c: Container): string {
  let prefix = prefixes.get(c);
  if (prefix === undefined) {
    prefix = labelPairs(CADVISOR_LABELS, cadvisorLabels(c));
    prefixes.set(c, prefix);
  }
  return prefix;
}

/** The pod's escaped cAdvisor label pairs; not cached, as they also depend on the snapshot's runtime. */
export function podCadvisorPrefix(p: Pod, s: Snapshot): string {
  return labelPairs(CADVISOR_LABELS, podCadvisorLabels(p, s));
}

/** `,a="x",b="y"` for labels appended after a prefix ('' when there are none). */
export function extraPairs(extra: Readonly<Record<string, string>>): string {
  const names = Object.keys(extra);
  return names.length === 0 ? '' : `,${labelPairs(names, Object.values(extra))}`;
}

/** `,name="value"` for one label appended after a prefix. */
export function extraPair(name: string, value: string): string {
  return `,${labelPairs([name], [value])}`;
}
