// The label set cAdvisor puts on every container series, so kubelet
// dashboards and kube-state-metrics joins work unchanged.
import type { Container, Pod, Snapshot } from '../poller/snapshot.js';
import { cgroupIdOf } from '../runtimes/cgroup-path.js';

export const CADVISOR_LABELS = ['id', 'name', 'image', 'pod', 'namespace', 'container', 'runtime'] as const;

/** Values in CADVISOR_LABELS order; cAdvisor names a CRI container by its ID. */
export function cadvisorLabels(c: Container): string[] {
  return [c.cgroupPath ? cgroupIdOf(c.cgroupPath) : '', c.id, c.image, c.pod.name, c.pod.namespace, c.name, c.runtime.name];
}

/** Pod-level series (network, processes) carry the sandbox as `name` and no container. */
export function podCadvisorLabels(p: Pod, s: Snapshot): string[] {
  return ['', p.id, '', p.name, p.namespace, '', s.runtime.type];
}
