// The simulated node: pods, containers and images, and resource usage that is
// a pure function of the clock. Nothing here knows gRPC or any particular
// runtime; src/sim/server.ts renders this state the way containerd, CRI-O or
// cri-dockerd would. Every random choice comes from one seeded PRNG, so the
// same seed and the same sequence of calls give the same IDs and numbers.

export type SimContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type SimSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

/** A PRNG yielding floats in [0, 1). */
export type Random = () => number;

/** mulberry32: tiny, fast and good enough to make test data reproducible. */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomHex(rand: Random, chars: number): string {
  let out = '';
  while (out.length < chars) out += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, chars);
}

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const KUBE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function kubeSuffix(rand: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += KUBE_ALPHABET[Math.floor(rand() * KUBE_ALPHABET.length)];
  return out;
}

export function randomUuid(rand: Random): string {
  const h = randomHex(rand, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** FNV-1a, so that an image's IDs depend on its name only, not on creation order. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export interface SimImage {
  /** `repo:tag`, always registry-less, e.g. `localhost/demo/web:1.0`. */
  readonly name: string;
  readonly repo: string;
  readonly tag: string;
  /** Image (config) ID: 64 hex digits, no algorithm prefix. */
  readonly id: string;
  /** Manifest digest: 64 hex digits, no algorithm prefix. */
  readonly digest: string;
  readonly sizeBytes: number;
  /** The image config's User ('' = root by default). */
  readonly user: string;
  /** Runtimes pin the sandbox (pause) image so that image GC keeps it. */
  readonly pinned: boolean;
}

/**
 * Per-container constants from which usage is computed. CPU runs at cpuCores on
 * average with a relative swing below 1 (so the counter never stalls); memory
 * oscillates around memBytes; memLimitBytes 0 means no limit.
 */
export interface UsageModel {
  readonly cpuCores: number; readonly cpuSwing: number; readonly cpuPeriodS: number;
  readonly memBytes: number; readonly memSwingBytes: number; readonly memPeriodS: number; readonly phase: number;
  readonly cacheBytes: number; readonly rssRatio: number; readonly memLimitBytes: number;
  readonly faultsPerS: number; readonly majorFaultsPerS: number;
  readonly layerBytes: number; readonly layerBytesPerS: number; readonly layerInodes: number;
  readonly processes: number;
}

/** Mutable fields change only through World's methods. */
export interface SimContainer {
  readonly id: string; readonly podId: string; readonly name: string; readonly attempt: number;
  readonly image: SimImage;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  state: SimContainerState;
  /** Unix milliseconds; 0 = not reached. */
  readonly createdAt: number; startedAt: number; finishedAt: number;
  exitCode: number; reason: string;
  /** Relative to the pod's log directory, as kubelet sets it: `<name>/<attempt>.log`. */
  readonly logPath: string;
  /** cgroupfs form, e.g. `/kubepods/burstable/pod<uid>/<id>`. */
  readonly cgroupPath: string;
  /** Storage layer ID of the writable layer (CRI-O names its overlay dir after it). */
  readonly layerId: string;
  readonly pid: number;
  readonly model: UsageModel;
}

export interface SimPod {
  readonly id: string; readonly name: string; readonly namespace: string; readonly uid: string; readonly attempt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  state: SimSandboxState;
  readonly createdAt: number;
  /** What kubelet asked for: '' unless the pod has a RuntimeClass. */
  readonly runtimeHandler: string;
  readonly qos: QosClass;
  /** cgroupfs form, e.g. `/kubepods/burstable/pod<uid>`; '' reproduces a sandbox without one. */
  readonly cgroupParent: string;
  /** Absolute, as kubelet sets it: `<logRoot>/<ns>_<name>_<uid>`. */
  readonly logDirectory: string;
  readonly ip: string;
  /** PID of the pause process. */
  readonly pid: number;
  readonly rxBytesPerS: number; readonly txBytesPerS: number;
}

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

export interface WorldOptions {
  readonly pods: number;
  readonly containersPerPod?: number;
  readonly seed?: number;
  /** Unix milliseconds; tests pass a hand-driven clock. */
  readonly now?: () => number;
  /** kubelet's --pod-log-dir root; tests may point it at a temp dir. */
  readonly logRoot?: string;
}

export interface ContainerUsage {
  readonly cpuNs: number;
  readonly workingSetBytes: number; readonly usageBytes: number; readonly rssBytes: number;
  readonly pageFaults: number; readonly majorPageFaults: number;
  readonly writableBytes: number; readonly writableInodes: number;
  readonly processes: number;
}

/** loBytes: loopback traffic, which only runtimes listing every link report. */
export interface PodUsage extends ContainerUsage {
  readonly rxBytes: number; readonly txBytes: number; readonly loBytes: number;
}

export const PAUSE_IMAGE = 'localhost/k8s/pause:3.9';
const GENERIC_APPS = ['web', 'api', 'worker', 'cache', 'queue'];
const SIDECAR = 'localhost/demo/log-shipper:2.1';
const PAGE = 4096;

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
    for (let i = 0; i < opts.pods; i++) this.addPod(this.genericPod(i));
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
    for (const c of spec.containers ?? this.genericContainers(pod)) this.addContainer(id, { ageSeconds: age, ...c });
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
      id, podId, name: spec.name, attempt, image: this.image(spec.image ?? SIDECAR),
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
      model: this.usageModel(spec),
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

  /** Usage at the current clock; an exited container's numbers stay where they were when it exited. */
  containerUsage(c: SimContainer): ContainerUsage {
    if (c.startedAt === 0) return ZERO_USAGE;
    const end = c.state === 'CONTAINER_EXITED' && c.finishedAt > 0 ? c.finishedAt : this.now();
    const m = c.model;
    const elapsed = Math.max(0, (end - c.startedAt) / 1000);
    const omega = (2 * Math.PI) / m.cpuPeriodS;
    // Integral of cores * (1 + swing * sin(omega t)): the rate wobbles, the counter only grows.
    const cpuNs = m.cpuCores * 1e9 * (elapsed + (m.cpuSwing * (1 - Math.cos(omega * elapsed))) / omega);
    const wave = Math.sin((2 * Math.PI * end) / 1000 / m.memPeriodS + m.phase);
    const workingSet = Math.round((m.memBytes + m.memSwingBytes * wave) / PAGE) * PAGE;
    return {
      cpuNs: Math.floor(cpuNs),
      workingSetBytes: workingSet,
      usageBytes: workingSet + m.cacheBytes,
      rssBytes: Math.round((workingSet * m.rssRatio) / PAGE) * PAGE,
      pageFaults: Math.floor(4000 + m.faultsPerS * elapsed),
      majorPageFaults: Math.floor(10 + m.majorFaultsPerS * elapsed),
      writableBytes: Math.floor(m.layerBytes + m.layerBytesPerS * elapsed),
      writableInodes: Math.floor(m.layerInodes + elapsed / 300),
      processes: c.state === 'CONTAINER_RUNNING' ? m.processes : 0,
    };
  }

  /** The pod cgroup: every container's CPU (cgroup counters outlive children), live containers' memory, plus pause. */
  podUsage(pod: SimPod): PodUsage {
    const parts = this.containersOf(pod.id).map((c) => ({ c, u: this.containerUsage(c) }));
    const live = parts.filter((p) => p.c.state === 'CONTAINER_RUNNING');
    const sum = (list: typeof parts, f: (u: ContainerUsage) => number) => list.reduce((n, p) => n + f(p.u), 0);
    const elapsed = Math.max(0, (this.now() - pod.createdAt) / 1000);
    const pause = 307_200;
    return {
      cpuNs: Math.floor(sum(parts, (u) => u.cpuNs) + elapsed * 2e5),
      workingSetBytes: sum(live, (u) => u.workingSetBytes) + pause,
      usageBytes: sum(live, (u) => u.usageBytes) + pause,
      rssBytes: sum(live, (u) => u.rssBytes) + pause,
      pageFaults: sum(parts, (u) => u.pageFaults) + 600,
      majorPageFaults: sum(parts, (u) => u.majorPageFaults),
      writableBytes: 0,
      writableInodes: 0,
      processes: sum(live, (u) => u.processes),
      rxBytes: Math.floor(pod.rxBytesPerS * elapsed),
      txBytes: Math.floor(pod.txBytesPerS * elapsed),
      loBytes: Math.floor(64 * elapsed),
    };
  }

  private image(name: string, pinned = false): SimImage {
    const hit = this.imageMap.get(name);
    if (hit) return hit;
    const colon = name.lastIndexOf(':');
    const rand = createRandom(hashOf(name));
    const img: SimImage = {
      name, repo: colon > 0 ? name.slice(0, colon) : name, tag: colon > 0 ? name.slice(colon + 1) : 'latest',
      id: randomHex(rand, 64), digest: randomHex(rand, 64),
      sizeBytes: pinned ? 321_520 : Math.floor(5e6 + rand() * 250e6), user: rand() < 0.3 ? '65532' : '', pinned,
    };
    this.imageMap.set(name, img);
    return img;
  }

  private usageModel(spec: ContainerSpec): UsageModel {
    const r = this.rand;
    const cores = spec.cpuCores ?? 0.005 + r() * 0.4;
    const mem = spec.memoryBytes ?? (8 + r() * 300) * 2 ** 20;
    return {
      cpuCores: cores, cpuSwing: 0.2 + r() * 0.6, cpuPeriodS: 60 + r() * 540,
      memBytes: mem, memSwingBytes: mem * (0.05 + r() * 0.25), memPeriodS: 120 + r() * 900, phase: r() * 2 * Math.PI,
      cacheBytes: Math.floor((r() * 64 * 2 ** 20) / PAGE) * PAGE, rssRatio: 0.7 + r() * 0.25,
      memLimitBytes: r() < 0.7 ? 2 ** Math.ceil(Math.log2(mem * 2)) : 0,
      faultsPerS: 5 + r() * 400, majorFaultsPerS: r() * 0.05,
      layerBytes: Math.floor(r() * 2e6) * 8, layerBytesPerS: r() * 50, layerInodes: 5 + Math.floor(r() * 200),
      processes: 1 + Math.floor(r() * 4),
    };
  }

  private genericPod(i: number): PodSpec {
    const app = GENERIC_APPS[i % GENERIC_APPS.length] ?? 'app';
    return { name: `${app}-${kubeSuffix(this.rand, 10)}-${kubeSuffix(this.rand, 5)}`, labels: { app } };
  }

  private genericContainers(pod: SimPod): ContainerSpec[] {
    const app = pod.labels.app ?? 'app';
    const specs: ContainerSpec[] = [{ name: app, image: `localhost/demo/${app}:1.0` }];
    for (let i = 1; i < this.perPod; i++) specs.push({ name: i === 1 ? 'log-shipper' : `sidecar-${i}`, image: SIDECAR });
    return specs.slice(0, this.perPod);
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

const ZERO_USAGE: ContainerUsage = Object.freeze({
  cpuNs: 0, workingSetBytes: 0, usageBytes: 0, rssBytes: 0, pageFaults: 0, majorPageFaults: 0,
  writableBytes: 0, writableInodes: 0, processes: 0,
});

/** kubelet's cgroupfs layout: guaranteed pods sit directly under /kubepods. */
export function podCgroupParent(qos: QosClass, uid: string): string {
  return qos === 'guaranteed' ? `/kubepods/pod${uid}` : `/kubepods/${qos}/pod${uid}`;
}
