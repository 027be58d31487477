// Creates and removes real pods through the CRI gRPC API, shaped the way the
// kubelet shapes them (labels, log paths, cgroup parent), so the agent under
// test sees what it would see on a node.
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadCriPackage } from '../../../src/cri/proto.js';
import { E2E_IMAGE_REF } from './image.js';

export type RuntimeClient = grpc.Client;

/** A RuntimeService client for `endpoint` (`unix:///path` or `/path`), CRI runtime.v1. */
export function connectRuntime(endpoint: string, version: 'v1' | 'v1alpha2' = 'v1'): RuntimeClient {
  const path = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : endpoint;
  const pkg = loadCriPackage(version);
  return new pkg.RuntimeService(`unix:${path}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
  });
}

/** One unary CRI call with a deadline; the error names the method and the gRPC status. */
export function criCall<T = Record<string, unknown>>(
  client: RuntimeClient, method: string, request: object, timeoutMs = 30_000,
): Promise<T> {
  const fn = (client as unknown as Record<string, unknown>)[method];
  if (typeof fn !== 'function') return Promise.reject(new Error(`CRI client has no method ${method}`));
  return new Promise<T>((resolve, reject) => {
    (fn as (...a: unknown[]) => void).call(
      client, request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs },
      (err: grpc.ServiceError | null, res: T) => {
        if (err) reject(new Error(`CRI ${method} failed (${grpc.status[err.code] ?? err.code}): ${err.details || err.message}`));
        else resolve(res);
      },
    );
  });
}

export interface ContainerSpec {
  name: string;
  command: string[];
  attempt?: number;
  image?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  envs?: Record<string, string>;
  /** linux.resources of the container config, as the kubelet sets them from requests and limits. */
  resources?: ContainerResources;
}

/** The subset of CRI LinuxContainerResources the tests use. */
export interface ContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
}

export interface PodSpec {
  name: string;
  namespace: string;
  uid: string;
  containers: ContainerSpec[];
  /** Defaults to true: without CNI only host-network pods can start. */
  hostNetwork?: boolean;
  /** cgroupfs path; defaults to `/cri-exporter-e2e/pod<uid>` as the kubelet would nest it; '' for none. */
  cgroupParent?: string;
  /** Root for pod log directories (Containerd.logDir). */
  logDir: string;
  attempt?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RunningPod {
  sandboxId: string;
  containerIds: Record<string, string>;
  /** `<logDir>/<namespace>_<name>_<uid>` */
  logDirectory: string;
  cgroupParent: string;
}

export const defaultCgroupParent = (uid: string): string => `/cri-exporter-e2e/pod${uid}`;

/** Log file of a container started by runPod, as the CRI runtime writes it. */
export function containerLogPath(pod: RunningPod, name: string, attempt = 0): string {
  return join(pod.logDirectory, name, `${attempt}.log`);
}

/** Runs the sandbox, then creates and starts each container; on failure removes the pod again. */
export async function runPod(client: RuntimeClient, spec: PodSpec): Promise<RunningPod> {
  const hostNetwork = spec.hostNetwork ?? true;
  const cgroupParent = spec.cgroupParent ?? defaultCgroupParent(spec.uid);
  const logDirectory = join(spec.logDir, `${spec.namespace}_${spec.name}_${spec.uid}`);
  const podLabels = {
    'io.kubernetes.pod.name': spec.name,
    'io.kubernetes.pod.namespace': spec.namespace,
    'io.kubernetes.pod.uid': spec.uid,
  };
  const network = hostNetwork ? 'NODE' : 'POD';
  const sandboxConfig = {
    metadata: { name: spec.name, namespace: spec.namespace, uid: spec.uid, attempt: spec.attempt ?? 0 },
    // The kubelet leaves hostname empty for host-network pods; the runtime then uses the node's.
    hostname: hostNetwork ? '' : spec.name,
    logDirectory,
    labels: { ...spec.labels, ...podLabels },
    annotations: { ...spec.annotations },
    linux: {
      cgroupParent,
      // pid CONTAINER/ipc POD are the kubelet's defaults (no shareProcessNamespace, no hostIPC).
      securityContext: { namespaceOptions: { network, pid: 'CONTAINER', ipc: 'POD' } },
    },
  };
  const { podSandboxId: sandboxId } = await criCall<{ podSandboxId: string }>(
    client, 'runPodSandbox', { config: sandboxConfig }, 120_000,
  ).catch((err: Error) => {
    throw new Error(`runPod ${spec.namespace}/${spec.name}: ${err.message}`);
  });

  const containerIds: Record<string, string> = {};
  try {
    for (const c of spec.containers) {
      const attempt = c.attempt ?? 0;
      const config = {
        metadata: { name: c.name, attempt },
        image: { image: c.image ?? E2E_IMAGE_REF },
        command: c.command,
        envs: Object.entries(c.envs ?? {}).map(([key, value]) => ({ key, value })),
        logPath: `${c.name}/${attempt}.log`,
        labels: { ...c.labels, 'io.kubernetes.container.name': c.name, ...podLabels },
        annotations: { ...c.annotations, 'io.kubernetes.container.restartCount': String(attempt) },
        linux: {
          ...(c.resources ? { resources: c.resources } : {}),
          securityContext: { namespaceOptions: { network, pid: 'CONTAINER', ipc: 'POD' } },
        },
      };
      const { containerId } = await criCall<{ containerId: string }>(
        client, 'createContainer', { podSandboxId: sandboxId, config, sandboxConfig }, 60_000,
      );
      containerIds[c.name] = containerId;
      await criCall(client, 'startContainer', { containerId }, 60_000);
    }
  } catch (err) {
    await removePod(client, sandboxId).catch(() => undefined);
    throw new Error(`runPod ${spec.namespace}/${spec.name} (sandbox ${sandboxId}): ${(err as Error).message}`);
  }
  return { sandboxId, containerIds, logDirectory, cgroupParent };
}

/** What a sandbox leaves on the host if the runtime cannot tear it down. */
export interface SandboxResidue {
  id: string;
  /** linux.cgroup_parent of the sandbox config. */
  cgroupParent?: string;
  /** The network namespace bind mount (e.g. /var/run/netns/cni-…) of a non-host-network pod. */
  netnsPath?: string;
}

/** Reads the residue from containerd's verbose PodSandboxStatus info. */
export async function sandboxResidue(client: RuntimeClient, sandboxId: string): Promise<SandboxResidue> {
  const res = await criCall<{ info: Record<string, string> }>(
    client, 'podSandboxStatus', { podSandboxId: sandboxId, verbose: true },
  );
  const residue: SandboxResidue = { id: sandboxId };
  try {
    const info = JSON.parse(res.info.info ?? '{}') as {
      config?: { linux?: { cgroup_parent?: string } };
      runtimeSpec?: { linux?: { namespaces?: { type: string; path?: string }[] } };
    };
    residue.cgroupParent = info.config?.linux?.cgroup_parent || undefined;
    residue.netnsPath = info.runtimeSpec?.linux?.namespaces?.find((n) => n.type === 'network')?.path || undefined;
  } catch {
    // not containerd, or a format we do not know: nothing to clean up by hand
  }
  return residue;
}

/**
 * Stops and removes the sandbox with all its containers, then removes the pod
 * cgroup the runtime leaves behind (the kubelet would do that on a node).
 */
export async function removePod(client: RuntimeClient, sandboxId: string): Promise<void> {
  const residue = await sandboxResidue(client, sandboxId).catch(() => undefined);
  try {
    await criCall(client, 'stopPodSandbox', { podSandboxId: sandboxId }, 60_000);
    await criCall(client, 'removePodSandbox', { podSandboxId: sandboxId }, 60_000);
  } catch (err) {
    throw new Error(`removePod ${sandboxId}: ${(err as Error).message}`);
  }
  if (residue?.cgroupParent !== undefined) await removeCgroup(residue.cgroupParent);
}

export async function removeContainer(client: RuntimeClient, containerId: string): Promise<void> {
  try {
    await criCall(client, 'stopContainer', { containerId, timeout: 0 }, 60_000);
    await criCall(client, 'removeContainer', { containerId }, 60_000);
  } catch (err) {
    throw new Error(`removeContainer ${containerId}: ${(err as Error).message}`);
  }
}

/** Removes every sandbox (and so every container), one at a time; throws if any removal failed. */
export async function removeAllPods(client: RuntimeClient): Promise<void> {
  const { errors } = await tearDownAllPods(client);
  if (errors.length > 0) throw new Error(`removeAllPods: ${errors.join('; ')}`);
}

/**
 * Like removeAllPods, but keeps going and reports instead of throwing, and
 * returns what each sandbox could leave behind, so a caller that kills the
 * runtime afterwards can still clean up by hand.
 */
export async function tearDownAllPods(client: RuntimeClient): Promise<{ residues: SandboxResidue[]; errors: string[] }> {
  const { items } = await criCall<{ items: { id: string }[] }>(client, 'listPodSandbox', {});
  const residues: SandboxResidue[] = [];
  const errors: string[] = [];
  for (const { id } of items) {
    residues.push(await sandboxResidue(client, id).catch(() => ({ id })));
    await removePod(client, id).catch((err: Error) => errors.push(err.message));
  }
  return { residues, errors };
}

/** Mount points of every cgroup hierarchy (v1 controllers and/or the v2 tree). */
async function cgroupMounts(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points: string[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    const fstype = right?.split(' ')[0];
    const point = left?.split(' ')[4];
    if ((fstype === 'cgroup' || fstype === 'cgroup2') && point !== undefined) points.push(point);
  }
  return points;
}

/**
 * Removes a pod-level cgroup (`…/pod<uid>`, and empty children) from every
 * hierarchy. Best effort: a cgroup that still holds processes stays. Other
 * parents (e.g. one shared by several pods) are left alone.
 */
export async function removeCgroup(parent: string): Promise<void> {
  const rel = parent.replace(/^\/+/, '');
  if (!/(^|\/)pod[^/]+$/.test(rel) || rel.split('/').includes('..')) return;
  for (const mount of await cgroupMounts()) await rmdirTree(join(mount, rel));
}

async function rmdirTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // not in this hierarchy
  }
  for (const e of entries) if (e.isDirectory()) await rmdirTree(join(dir, e.name));
  await rmdir(dir).catch(() => undefined);
}
