// The simulated node: pods, containers and images, and how they change. Nothing
// here knows gRPC or any particular runtime; src/sim/server.ts renders this
// state the way containerd, CRI-O or cri-dockerd would. Every random choice
// comes from one seeded PRNG, so the same seed and the same sequence of calls
// give the same IDs and numbers.
import { createImage, PAUSE_IMAGE } from './images.js';
import { createRandom, randomHex, randomUuid, type Random } from './random.js';
import { genericContainerSpecs, genericPodSpec, podCgroupParent, SIDECAR_IMAGE, type ContainerSpec, type PodSpec } from './specs.js';
import type { SimContainer, SimContainerState, SimImage, SimPod, SimSandboxState } from './types.js';
import { containerUsage, drawUsageModel, podUsage, type ContainerUsage, type PodUsage } from './usage.js';

// Callers import the simulated node's vocabulary from here; the pieces live beside it.
export { PAUSE_IMAGE } from './images.js';
export { createRandom, kubeSuffix, randomHex, randomUuid, type Random } from './random.js';
export { podCgroupParent, type ContainerSpec, type PodSpec } from './specs.js';
export type { QosClass, SimContainer, SimContainerState, SimImage, SimPod, SimSandboxState, UsageModel } from './types.js';
export type { ContainerUsage, PodUsage } from './usage.js';

export interface WorldOptions {
  readonly pods: number;
  readonly containersPerPod?: number;
  readonly seed?: number;
  /** Unix milliseconds; tests pass a hand-driven clock. */
  readonly now?: () => number;
  /** kubelet's --pod-log-dir root; tests may point it at a temp dir. */
  readonly logRoot?: string;
}

export class World {
  readonly rand: Random;
  readonly now: () => number;
  private readonly logRoot: string;
  private readonly perPod: number;
  private readonly podMap = new Map<string, SimPod>();
  private readonly containerMap = new Map<string, SimContainer>();
  private readonly imageMap = new Map<string, SimImage>();
  private ipCounter = 2;

  constructor(opts: WorldOptions) {
    this.rand = createRandom(opts.seed ?? 1);
    this.now = opts.now ?? Date.now;
    this.logRoot = opts.logRoot ?? '/var/log/pods';
    this.perPod = opts.containersPerPod ?? 2;
    this.image(PAUSE_IMAGE, true);
    for (let i = 0; i < opts.pods; i++) this.addPod(genericPodSpec(this.rand, i));
  }

  pods(): SimPod[] {
    return [...this.podMap.values()];
  }
  containers(): SimContainer[] {
    return [...this.containerMap.values()];
  }
  images(): SimImage[] {
    return [...this.imageMap.values()];
  }
  pod(id: string): SimPod | undefined {
    return this.podMap.get(id);
  }
  container(id: string): SimContainer | undefined {
    return this.containerMap.get(id);
  }
  containersOf(podId: string): SimContainer[] {
    return this.containers().filter((c) => c.podId === podId);
  }

  addPod(spec: PodSpec): SimPod {
    const namespace = spec.namespace ?? 'default';
    const uid = spec.uid ?? randomUuid(this.rand);
    const qos = spec.qos ?? 'burstable';
    const id = randomHex(this.rand, 64);
    const createdAt = this.now() - (spec.ageSeconds ?? 0) * 1000;
    const pod: SimPod = {
      id, name: spec.name, namespace, uid, attempt: spec.attempt ?? 0, qos,
      labels: { ...spec.labels, 'io.kubernetes.pod.name': spec.name, 'io.kubernetes.pod.namespace': namespace, 'io.kubernetes.pod.uid': uid },
      annotations: { 'kubernetes.io/config.seen': new Date(createdAt).toISOString(), 'kubernetes.io/config.source': 'api', ...spec.annotations },
      state: spec.state ?? 'SANDBOX_READY',
      createdAt,
      runtimeHandler: spec.runtimeHandler ?? '',
      cgroupParent: spec.cgroupParent ?? podCgroupParent(qos, uid),
      logDirectory: `${this.logRoot}/${namespace}_${spec.name}_${uid}`,
      ip: this.nextIp(),
      pid: this.randomPid(),
      rxBytesPerS: 200 + this.rand() * 20_000,
      txBytesPerS: 100 + this.rand() * 15_000,
    };
    this.podMap.set(id, pod);
    const age = spec.ageSeconds === undefined ? undefined : Math.max(0, spec.ageSeconds - 1);
    const containers = spec.containers ?? genericContainerSpecs(pod.labels.app ?? 'app', this.perPod);
    for (const c of containers) this.addContainer(id, { ageSeconds: age, ...c });
    return pod;
  }

  addContainer(podId: string, spec: ContainerSpec, attempt = 0): SimContainer {
    const pod = this.requirePod('addContainer', podId);
    // Drawn even when the spec fixes the ID, so that fixing one leaves every later random value as it was.
    const drawn = randomHex(this.rand, 64);
    const id = spec.id ?? drawn;
    if (this.containerMap.has(id)) throw new Error(`World.addContainer: container "${id}" exists already`);
    const state = spec.state ?? 'CONTAINER_RUNNING';
    const now = this.now() - (spec.ageSeconds ?? 0) * 1000;
    const c: SimContainer = {
      id, podId, name: spec.name, attempt, image: this.image(spec.image ?? SIDECAR_IMAGE),
      labels: {
        'io.kubernetes.container.name': spec.name, 'io.kubernetes.pod.name': pod.name,
        'io.kubernetes.pod.namespace': pod.namespace, 'io.kubernetes.pod.uid': pod.uid,
      },
      annotations: {
        'io.kubernetes.container.hash': randomHex(this.rand, 8),
        'io.kubernetes.container.restartCount': String(attempt),
        'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
        'io.kubernetes.container.terminationMessagePolicy': 'File',
        'io.kubernetes.pod.terminationGracePeriod': '30',
      },
      state, createdAt: now, startedAt: state === 'CONTAINER_CREATED' ? 0 : now,
      finishedAt: state === 'CONTAINER_EXITED' ? now : 0, exitCode: 0, reason: '',
      logPath: `${spec.name}/${attempt}.log`,
      cgroupPath: `${pod.cgroupParent || podCgroupParent(pod.qos, pod.uid)}/${id}`,
      layerId: randomHex(this.rand, 64),
      pid: this.randomPid(),
      model: drawUsageModel(this.rand, spec),
    };
    this.containerMap.set(id, c);
    return c;
  }

  removePod(id: string): void {
    this.requirePod('removePod', id);
    for (const c of this.containersOf(id)) this.containerMap.delete(c.id);
    this.podMap.delete(id);
  }

  removeContainer(id: string): void {
    this.requireContainer('removeContainer', id);
    this.containerMap.delete(id);
  }

  setPodState(id: string, state: SimSandboxState): void {
    this.requirePod('setPodState', id).state = state;
  }

  setContainerState(id: string, state: SimContainerState, exitCode?: number, reason = ''): void {
    const c = this.requireContainer('setContainerState', id);
    const now = this.now();
    c.state = state;
    c.reason = reason;
    if (state === 'CONTAINER_RUNNING') {
      if (c.startedAt === 0) c.startedAt = now;
      c.finishedAt = 0;
      c.exitCode = 0;
    } else if (state === 'CONTAINER_EXITED') {
      c.finishedAt = now;
      c.exitCode = exitCode ?? 0;
    } else if (state === 'CONTAINER_CREATED') {
      c.startedAt = 0;
      c.finishedAt = 0;
    }
  }

  /** What kubelet does after a crash: the old container exits, a new one runs with attempt + 1. */
  restartContainer(id: string, exitCode = 1): SimContainer {
    const old = this.requireContainer('restartContainer', id);
    if (old.state !== 'CONTAINER_EXITED') this.setContainerState(id, 'CONTAINER_EXITED', exitCode);
    const hints = { cpuCores: old.model.cpuCores, memoryBytes: old.model.memBytes };
    return this.addContainer(old.podId, { name: old.name, image: old.image.name, ...hints }, old.attempt + 1);
  }

  /** At this World's clock; see src/sim/usage.ts. */
  containerUsage(c: SimContainer): ContainerUsage {
    return containerUsage(c, this.now);
  }

  /** The pod cgroup's usage at this World's clock, through containersOf so that subclasses' indexes serve it. */
  podUsage(pod: SimPod): PodUsage {
    return podUsage(pod, this.containersOf(pod.id), this.now);
  }

  private image(name: string, pinned = false): SimImage {
    const hit = this.imageMap.get(name);
    if (hit) return hit;
    const img = createImage(name, pinned);
    this.imageMap.set(name, img);
    return img;
  }

  private nextIp(): string {
    const n = this.ipCounter++;
    return `10.244.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }

  private randomPid(): number {
    return 1000 + Math.floor(this.rand() * 400_000);
  }

  private requirePod(op: string, id: string): SimPod {
    const pod = this.podMap.get(id);
    if (!pod) throw new Error(`World.${op}: no pod sandbox "${id}"`);
    return pod;
  }

  private requireContainer(op: string, id: string): SimContainer {
    const c = this.containerMap.get(id);
    if (!c) throw new Error(`World.${op}: no container "${id}"`);
    return c;
  }
}
