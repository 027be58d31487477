// The label set cAdvisor puts on every container series, so kubelet
// dashboards and kube-state-metrics joins work unchanged.
import type { Container, Pod, Snapshot } from '../poller/snapshot.js';
import { cgroupIdOf } from '../runtimes/cgroup-path.js';
import { labelPairs } from './exposition.js';
import { LabelCache } from './label-cache.js';

export const CADVISOR_LABELS = ['id', 'name', 'image', 'pod', 'namespace', 'container', 'runtime'] as const;

/**
 * Built from [cgroup path, ID, image, pod, namespace, container, runtime]:
 * cAdvisor names a CRI container by its ID and gives its cgroup as `id`.
 */
const containerLabels = new LabelCache(([cgroupPath = '', ...rest]) => labelPairs(CADVISOR_LABELS, [cgroupPath ? cgroupIdOf(cgroupPath) : '', ...rest]));

// Keyed by the (frozen) Container object, in front of the cache by ID: the
// ~30 series of a container in one rendering find their bytes with one lookup.
const prefixes = new WeakMap<Container, Buffer>();

/**
 * The container's escaped cAdvisor label pairs (`id="…",…,runtime="…"`) as
 * bytes, built once per container (and per change of its labels), not per series or per poll.
 */
export function cadvisorPrefix(c: Container): Buffer {
  let prefix = prefixes.get(c);
  if (prefix === undefined) {
    prefix = containerLabels.bytes(c.id, [c.cgroupPath, c.id, c.image, c.pod.name, c.pod.namespace, c.name, c.runtime.name]);
    prefixes.set(c, prefix);
  }
  return prefix;
}

/** Pod-level series (network, processes) carry the sandbox as `name` and no container; built from [sandbox ID, pod, namespace, runtime]. */
const podLabels = new LabelCache(([id = '', name = '', namespace = '', runtime = '']) => labelPairs(CADVISOR_LABELS, ['', id, '', name, namespace, '', runtime]));

// Keyed by the (frozen) Pod, which stays the same object while the pod does:
// its five pod-level families find their bytes with one lookup per render.
const podPrefixes = new WeakMap<Pod, { readonly runtime: string; readonly bytes: Buffer }>();

/** The pod's escaped cAdvisor label pairs as bytes. */
export function podCadvisorPrefix(p: Pod, s: Snapshot): Buffer {
  const runtime = s.runtime.type;
  let prefix = podPrefixes.get(p);
  if (prefix === undefined || prefix.runtime !== runtime) {
    prefix = { runtime, bytes: podLabels.bytes(p.id, [p.id, p.name, p.namespace, runtime]) };
    podPrefixes.set(p, prefix);
  }
  return prefix.bytes;
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
