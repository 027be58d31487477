// How each simulated runtime puts World state on the wire: one handler per
// CRI read RPC, shaped after what that runtime fills in and leaves empty.
import * as grpc from '@grpc/grpc-js';
import type { ApiVersion } from '../cri/types.js';
import { logPathOf, servesSandboxStats, versionAnswer, type RuntimeProfile } from './profiles.js';
import type { Faults } from './server.js';
import type { PodUsage, SimContainer, SimImage, SimPod, World } from './world.js';

export type Raw = Record<string, unknown>;
export type Handler = (req: Raw) => unknown;

/** A CRI error answer; anything else thrown by a handler becomes INTERNAL. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

const obj = (v: unknown): Raw => (v !== null && typeof v === 'object' ? (v as Raw) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const u64 = (n: number | bigint) => ({ value: String(typeof n === 'bigint' ? n : Math.max(0, Math.floor(n))) });
/** Unix ms → int64 nanoseconds as a decimal string (µs precision is plenty). */
const ns = (ms: number): string => (ms <= 0 ? '0' : String(BigInt(Math.floor(ms * 1000)) * 1000n));
const PHYSICAL_MEMORY = 16n * 2n ** 30n;

function matchesLabels(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(obj(selector)).every(([k, v]) => labels[k] === v);
}

/** Renders World state as the profile's runtime would put it on the wire. */
export class Renderer {
  private readonly lastCpu = new Map<string, { cpuNs: number; at: number }>();

  constructor(readonly p: RuntimeProfile, readonly world: World, readonly alphaOnly: boolean, readonly faults: Faults) {}

  /** Handlers of one API version's services; an RPC missing here answers UNIMPLEMENTED. */
  handlers(api: ApiVersion): Record<string, Handler> {
    const h: Record<string, Handler> = {
      Version: () => versionAnswer(this.p, api, this.alphaOnly),
      Status: () => ({ status: { conditions: ['RuntimeReady', 'NetworkReady'].map((type) => ({ type, status: true, reason: '', message: '' })) }, info: {} }),
      ListPodSandbox: (r) => ({ items: this.pods(obj(r.filter)).map((p) => this.sandbox(p)) }),
      PodSandboxStatus: (r) => this.sandboxStatus(this.pod(str(r.podSandboxId))),
      ListContainers: (r) => ({ containers: [...this.containers(obj(r.filter)).map((c) => this.container(c)), ...this.padding()] }),
      ContainerStatus: (r) => this.containerStatus(this.containerOf(str(r.containerId)), r.verbose === true),
      ListContainerStats: (r) => {
        this.forgetRemoved();
        return { stats: this.containers(obj(r.filter)).flatMap((c) => this.containerStats(c) ?? []) };
      },
      ContainerStats: (r) => ({ stats: this.containerStats(this.containerOf(str(r.containerId))) ?? null }),
      ListImages: () => ({ images: this.world.images().map((i) => this.image(i)) }),
      ImageStatus: (r) => this.imageStatus(str(obj(r.image).image)),
      ImageFsInfo: () => ({ imageFilesystems: [this.imageFs()] }),
    };
    if (servesSandboxStats(this.p, this.alphaOnly)) {
      h.ListPodSandboxStats = (r) => ({ stats: this.sandboxStatsList(obj(r.filter)) });
      h.PodSandboxStats = (r) => ({ stats: this.sandboxStats(this.pod(str(r.podSandboxId))) });
    }
    return h;
  }

  /** The per-ID CPU memory of containers and pods that are gone: a long churn must not grow the simulator. */
  private forgetRemoved(): void {
    for (const id of this.lastCpu.keys()) if (!this.world.container(id) && !this.world.pod(id)) this.lastCpu.delete(id);
  }

  private pod(id: string): SimPod {
    const pod = this.world.pod(id);
    if (!pod) throw this.notFound('sandbox', id);
    return pod;
  }

  private containerOf(id: string): SimContainer {
    const c = this.world.container(id);
    if (!c) throw this.notFound('container', id);
    return c;
  }

  private notFound(kind: 'container' | 'sandbox', id: string): RpcError {
    const e = this.p.notFound(kind, id);
    return new RpcError(e.code, e.message);
  }

  private pods(f: Raw): SimPod[] {
    const state = str(obj(f.state).state);
    return this.world.pods().filter((p) => (!f.id || p.id.startsWith(str(f.id))) && (!f.state || p.state === state)
      && matchesLabels(f.labelSelector, p.labels));
  }

  private containers(f: Raw): SimContainer[] {
    const state = str(obj(f.state).state);
    return this.world.containers().filter((c) => (!f.id || c.id.startsWith(str(f.id)))
      && (!f.podSandboxId || c.podId.startsWith(str(f.podSandboxId))) && (!f.state || c.state === state)
      && matchesLabels(f.labelSelector, c.labels));
  }

  private listTime(ms: number): string {
    return this.p.listCreatedAtSeconds ? ns(Math.floor(ms / 1000) * 1000) : ns(ms);
  }

  private sandbox(p: SimPod): Raw {
    return {
      id: p.id, metadata: { name: p.name, uid: p.uid, namespace: p.namespace, attempt: p.attempt }, state: p.state,
      createdAt: this.listTime(p.createdAt), labels: p.labels, annotations: p.annotations,
      runtimeHandler: this.p.reportsRuntimeHandler ? p.runtimeHandler : '',
    };
  }

  /** Verbose sandbox info is not simulated: the agent never asks for it. */
  private sandboxStatus(p: SimPod): Raw {
    const status = {
      ...this.sandbox(p), createdAt: ns(p.createdAt), network: { ip: p.ip, additionalIps: [] },
      linux: { namespaces: { options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    };
    return { status, info: {} };
  }

  private container(c: SimContainer): Raw {
    const imageId = this.p.imageId(c.image);
    return {
      id: c.id, podSandboxId: c.podId, metadata: { name: c.name, attempt: c.attempt }, image: { image: imageId },
      imageRef: imageId, state: c.state, createdAt: this.listTime(c.createdAt), labels: c.labels, annotations: c.annotations,
    };
  }

  private containerStatus(c: SimContainer, verbose: boolean): Raw {
    const pod = this.pod(c.podId);
    const exited = c.state === 'CONTAINER_EXITED';
    const status = {
      id: c.id, metadata: { name: c.name, attempt: c.attempt }, state: c.state, createdAt: ns(c.createdAt),
      startedAt: c.state === 'CONTAINER_CREATED' ? '0' : ns(c.startedAt), finishedAt: exited ? ns(c.finishedAt) : '0',
      exitCode: exited ? c.exitCode : 0, image: { image: c.image.name }, imageRef: this.p.statusImageRef(c.image),
      reason: exited ? c.reason || (c.exitCode === 0 ? 'Completed' : 'Error') : '', message: '',
      labels: c.labels, annotations: c.annotations, logPath: logPathOf(pod, c),
      mounts: [
        { containerPath: '/var/run/secrets/kubernetes.io/serviceaccount', readonly: true,
          hostPath: `/var/lib/kubelet/pods/${pod.uid}/volumes/kubernetes.io~projected/kube-api-access-${pod.uid.slice(0, 5)}` },
        { containerPath: '/etc/hosts', hostPath: `/var/lib/kubelet/pods/${pod.uid}/etc-hosts`, readonly: false },
      ],
    };
    return { status, info: verbose ? this.p.info(pod, c, this.alphaOnly) : {} };
  }

  /** Faults.oversizeBytes: one extra exited container whose annotation makes the answer that much bigger. */
  private padding(): Raw[] {
    const n = this.faults.oversizeBytes ?? 0;
    if (n <= 0) return [];
    return [{
      id: 'f'.repeat(64), podSandboxId: this.world.pods()[0]?.id ?? '', metadata: { name: 'sim-oversize-padding', attempt: 0 },
      image: { image: '' }, imageRef: '', state: 'CONTAINER_EXITED', createdAt: ns(this.world.now()), labels: {},
      annotations: { 'sim.cri-exporter/padding': 'x'.repeat(n) },
    }];
  }

  /** undefined: this runtime leaves the container out. */
  containerStats(c: SimContainer): Raw | undefined {
    const shape = this.p.stats;
    const running = c.state === 'CONTAINER_RUNNING';
    if (!running && shape.exited === 'omit') return undefined;
    const now = this.world.now();
    const u = this.world.containerUsage(c);
    const attributes = { id: c.id, metadata: { name: c.name, attempt: c.attempt }, labels: c.labels, annotations: c.annotations };
    const writableLayer = {
      timestamp: ns(this.syncTime()), fsId: { mountpoint: this.p.writableLayerMountpoint(c) }, usedBytes: u64(u.writableBytes),
      inodesUsed: shape.writableLayerInodes ? u64(u.writableInodes) : null,
    };
    if (!running && shape.exited === 'bare') return { attributes, writableLayer };
    const zero = !running && shape.exited === 'zero';
    const cpuNs = zero ? 0 : u.cpuNs;
    const cpu = { timestamp: ns(now), usageCoreNanoSeconds: u64(cpuNs), usageNanoCores: this.nanoCores(c.id, cpuNs, now) };
    const memory = shape.memory === 'working-set-only'
      ? { timestamp: ns(now), workingSetBytes: u64(zero ? 0 : u.usageBytes) }
      : this.memory(now, u.workingSetBytes, u.usageBytes, u.rssBytes, u.pageFaults, u.majorPageFaults, c.model.memLimitBytes);
    return { attributes, cpu, memory, writableLayer };
  }

  private nanoCores(key: string, cpuNs: number, now: number): { value: string } | null {
    const mode = this.p.stats.nanoCores;
    if (mode === 'never') return null;
    const last = this.lastCpu.get(key);
    this.lastCpu.set(key, { cpuNs, at: now });
    if (!last) return mode === 'zero-first' ? u64(0) : null;
    const dt = (now - last.at) / 1000;
    return u64(dt > 0 ? (cpuNs - last.cpuNs) / dt : 0);
  }

  private memory(now: number, ws: number, usage: number, rss: number, faults: number, major: number, limit: number): Raw {
    let available: bigint;
    if (this.p.stats.availableBytes === 'usage-minus-limit') {
      // CRI-O 1.29 subtracts the other way round; in uint64 that wraps to ~1.8e19.
      const lim = limit > 0 && BigInt(limit) < PHYSICAL_MEMORY ? BigInt(limit) : PHYSICAL_MEMORY;
      available = BigInt.asUintN(64, BigInt(usage) - lim);
    } else {
      available = limit > 0 ? BigInt(Math.max(0, limit - ws)) : 0n;
    }
    return {
      timestamp: ns(now), workingSetBytes: u64(ws), availableBytes: u64(available), usageBytes: u64(usage),
      rssBytes: u64(rss), pageFaults: u64(faults), majorPageFaults: u64(major),
    };
  }

  private sandboxStatsList(f: Raw): Raw[] {
    const filtered = Boolean(f.id) || Object.keys(obj(f.labelSelector)).length > 0;
    const pods = this.world.pods().filter((p) => (!f.id || p.id.startsWith(str(f.id))) && matchesLabels(f.labelSelector, p.labels));
    // containerd skips not-ready sandboxes only when a filter is given.
    const chosen = this.p.stats.sandboxStatsStrict && filtered ? pods.filter((p) => p.state === 'SANDBOX_READY') : pods;
    return chosen.map((p) => this.sandboxStats(p, true));
  }

  private sandboxStats(p: SimPod, inList = false): Raw {
    const noCgroup = this.faults.podSandboxStatsFailsWithoutCgroupParent === true || p.cgroupParent === '';
    const failure = this.sandboxStatsFailure(p, noCgroup, inList);
    if (failure) throw failure;
    const attributes = { id: p.id, metadata: { name: p.name, uid: p.uid, namespace: p.namespace, attempt: p.attempt }, labels: p.labels, annotations: p.annotations };
    const containers = this.world.containersOf(p.id).flatMap((c) => this.containerStats(c) ?? []);
    // A stopped sandbox has neither cgroup nor network namespace left; CRI-O logs that and reports what remains.
    if (p.state !== 'SANDBOX_READY' || noCgroup) return { attributes, linux: { containers } };
    const now = this.world.now();
    const u = this.world.podUsage(p);
    const shape = this.p.stats;
    return {
      attributes,
      linux: {
        cpu: { timestamp: ns(now), usageCoreNanoSeconds: u64(u.cpuNs), usageNanoCores: shape.sandboxNanoCores ? this.nanoCores(p.id, u.cpuNs, now) : null },
        memory: this.memory(now, u.workingSetBytes, u.usageBytes, u.rssBytes, u.pageFaults, u.majorPageFaults, 0),
        network: this.network(u),
        process: { timestamp: ns(now), processCount: u64(u.processes + (shape.sandboxPidsIncludePause ? 1 : 0)) },
        containers,
      },
    };
  }

  /** containerd's errors (message texts of 1.6) for a sandbox it cannot measure; it fails the whole call. */
  private sandboxStatsFailure(p: SimPod, noCgroup: boolean, inList: boolean): RpcError | undefined {
    const strict = this.p.stats.sandboxStatsStrict;
    if (noCgroup && (strict || this.faults.podSandboxStatsFailsWithoutCgroupParent)) {
      const prefix = inList ? `failed to obtain metrics for sandbox "${p.id}": ` : `failed getting metrics for sandbox ${p.id}: `;
      return new RpcError(grpc.status.UNKNOWN, `${prefix}failed to get cgroup metrics for sandbox ${p.id} because cgroupPath is empty`);
    }
    if (strict && p.state !== 'SANDBOX_READY') {
      return new RpcError(grpc.status.UNKNOWN, `failed to decode sandbox container metrics for sandbox "${p.id}": `
        + `failed to get pod sandbox stats since sandbox container "${p.id}" is not in ready state`);
    }
    return undefined;
  }

  /** Neither runtime sets NetworkUsage.timestamp. CRI-O lists every link and calls the first one (lo) the default. */
  private network(u: PodUsage): Raw {
    const iface = (name: string, rx: number, tx: number) => ({ name, rxBytes: u64(rx), rxErrors: u64(0), txBytes: u64(tx), txErrors: u64(0) });
    const eth0 = iface('eth0', u.rxBytes, u.txBytes);
    return this.p.stats.network === 'all-links'
      ? { defaultInterface: iface('lo', u.loBytes, u.loBytes), interfaces: [eth0] }
      : { defaultInterface: eth0, interfaces: [] };
  }

  private image(img: SimImage): Raw {
    const numeric = /^\d+$/.test(img.user);
    return {
      id: this.p.imageId(img), repoTags: [img.name], repoDigests: [`${img.repo}@sha256:${img.digest}`], size: String(img.sizeBytes),
      uid: numeric ? { value: img.user } : null, username: numeric ? '' : img.user, pinned: img.pinned && this.p.pinsSandboxImage,
    };
  }

  /** Runtimes answer an unknown image with an empty response, not an error. */
  private imageStatus(ref: string): Raw {
    const bare = ref.replace(/^sha256:/, '');
    const img = this.world.images().find((i) => i.name === ref || i.id === bare || `${i.repo}@sha256:${i.digest}` === ref);
    return img ? { image: this.image(img), info: {} } : {};
  }

  private imageFs(): Raw {
    const images = this.world.images();
    const layers = this.world.containers().map((c) => this.world.containerUsage(c));
    const used = this.p.imageFsUsage({
      imageCount: images.length, imageBytes: images.reduce((n, i) => n + i.sizeBytes, 0),
      layerBytes: layers.reduce((n, u) => n + u.writableBytes, 0), layerInodes: layers.reduce((n, u) => n + u.writableInodes, 0),
    });
    return { timestamp: ns(this.syncTime()), fsId: { mountpoint: this.p.imageFsMountpoint }, usedBytes: u64(used.bytes), inodesUsed: u64(used.inodes) };
  }

  /** containerd reports disk usage as of its last snapshot sync (every 10 s); the others measure on request. */
  private syncTime(): number {
    const now = this.world.now();
    return this.p.stats.writableLayerTimestamp === 'sync-10s' ? Math.floor(now / 10_000) * 10_000 : now;
  }
}
