// What kubelet asks the simulated runtime for: pod and container specs, the
// generic workload a World starts with, and kubelet's cgroup layout.
import { kubeSuffix, type Random } from './random.js';
import type { QosClass, SimContainerState, SimSandboxState } from './types.js';

export interface ContainerSpec {
  /** A fixed container ID, e.g. a real Docker container's, to pair the simulated CRI side with a real daemon. */
  readonly id?: string;
  readonly name: string;
  /** Registry-less reference, e.g. `localhost/demo/web:1.0`. */
  readonly image?: string;
  /** Average CPU in cores and typical working set, to make a demo look plausible. */
  readonly cpuCores?: number;
  readonly memoryBytes?: number;
  readonly state?: SimContainerState;
  /** Started this long before now (default: now). */
  readonly ageSeconds?: number;
}

/** Unset fields get kubelet-like defaults: namespace 'default', a random UID, burstable QoS, ready. */
export interface PodSpec {
  readonly name: string; readonly namespace?: string; readonly uid?: string; readonly attempt?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly runtimeHandler?: string;
  readonly qos?: QosClass;
  readonly cgroupParent?: string;
  readonly state?: SimSandboxState;
  /** Created this long before now (default: now); its containers start a second later. */
  readonly ageSeconds?: number;
  readonly containers?: readonly ContainerSpec[];
}

const GENERIC_APPS = ['web', 'api', 'worker', 'cache', 'queue'];
/** The image of a container whose spec names none. */
export const SIDECAR_IMAGE = 'localhost/demo/log-shipper:2.1';

/** The i-th pod of the generic workload, named the way a Deployment's pods are. */
export function genericPodSpec(rand: Random, i: number): PodSpec {
  const app = GENERIC_APPS[i % GENERIC_APPS.length] ?? 'app';
  return { name: `${app}-${kubeSuffix(rand, 10)}-${kubeSuffix(rand, 5)}`, labels: { app } };
}

/** The app's own container first, then log-shipper and numbered sidecars up to perPod. */
export function genericContainerSpecs(app: string, perPod: number): ContainerSpec[] {
  const specs: ContainerSpec[] = [{ name: app, image: `localhost/demo/${app}:1.0` }];
  for (let i = 1; i < perPod; i++) specs.push({ name: i === 1 ? 'log-shipper' : `sidecar-${i}`, image: SIDECAR_IMAGE });
  return specs.slice(0, perPod);
}

/** kubelet's cgroupfs layout: guaranteed pods sit directly under /kubepods. */
export function podCgroupParent(qos: QosClass, uid: string): string {
  return qos === 'guaranteed' ? `/kubepods/pod${uid}` : `/kubepods/${qos}/pod${uid}`;
}
