// The Node object's view of the runtime (`containerd://1.6.20`), and whether
// it agrees with what CRI Version said. The kubelet writes that string from
// the same Version call, so a disagreement means the agent talks to another
// runtime than the kubelet does (a wrong socket mounted, say).
import { runtimeType } from '../runtimes/detect.js';

export interface NodeRuntime {
  /** As the Node object has it, e.g. `containerd://1.6.20`. */
  readonly containerRuntimeVersion: string;
  readonly agrees: boolean;
}

/** `cri-o://1.19.0` → { type: 'cri-o', version: '1.19.0' }; undefined when it is not `<name>://<version>`. */
export function parseContainerRuntimeVersion(value: string): { type: string; version: string } | undefined {
  const m = /^([^:/]+):\/\/(.*)$/.exec(value.trim());
  if (!m) return undefined;
  return { type: runtimeType(m[1] as string), version: m[2] as string };
}

/** Compares the normalised runtime type and the version string from CRI with the Node's. */
export function crossCheck(cri: { type: string; version: string }, containerRuntimeVersion: string): NodeRuntime {
  const node = parseContainerRuntimeVersion(containerRuntimeVersion);
  const agrees = node !== undefined && cri.type !== '' && node.type === cri.type && node.version === cri.version;
  return { containerRuntimeVersion, agrees };
}
