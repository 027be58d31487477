// Every family rendered from a Snapshot, declared as data: a name, a type, a
// help text and a function from the snapshot to samples. The cAdvisor flag
// marks what /metrics/cadvisor serves.
import type { ContainerUsage } from '../cri/types.js';
import type { Container, Pod, Snapshot } from '../poller/snapshot.js';
import { CGROUP_FAMILIES } from './cgroup-families.js';
import { labelPairs } from './exposition.js';
import type { MetricType } from './exposition.js';
import { perContainer, perContainerFigure, type FamilySpec } from './family.js';
import { LabelCache } from './label-cache.js';
import { cadvisorPrefix, extraPair, podCadvisorPrefix } from './labels.js';

export type { FamilySpec, SampleSink } from './family.js';

type InterfaceField = 'rxBytes' | 'rxErrors' | 'txBytes' | 'txErrors';

/**
 * The pod's interfaces as CRI reports them; when CRI stats gave none (the
 * call failed, or the runtime leaves network out), those read from the pod's
 * network namespace, so bytes and errors stay next to packets and drops.
 */
function podInterfaces(p: Pod, podUsage: Snapshot['podUsage'], podHost: Snapshot['podHost']): readonly ({ readonly name: string } & Partial<Record<InterfaceField, number>>)[] {
  const cri = podUsage.get(p.id)?.interfaces ?? [];
  return cri.length > 0 ? cri : podHost.get(p.id)?.netDev ?? [];
}

/** Pod-level network counters, one series per interface, as cAdvisor reports them for the pod. */
function perInterface(name: string, help: string, field: InterfaceField): FamilySpec {
  return {
    name, type: 'counter', help, cadvisor: true,
    write(s, out) {
      // Each part of the snapshot read once (a cached render records each read).
      const { pods, podUsage, podHost } = s;
      for (let k = 0; k < pods.length; k++) {
        const p = pods[k] as Pod;
        const interfaces = podInterfaces(p, podUsage, podHost);
        if (interfaces.length === 0) continue;
        const prefix = podCadvisorPrefix(p, s);
        for (let n = 0; n < interfaces.length; n++) {
          const i = interfaces[n] as (typeof interfaces)[number];
          const v = i[field];
          if (v === undefined) continue;
          out.sample(prefix, v, extraPair('interface', i.name));
        }
      }
    },
  };
}

/** A family of a figure of the containers' stats from the runtime. */
const fromUsage = (name: string, type: MetricType, help: string, pick: (u: ContainerUsage) => number | undefined, extra?: Readonly<Record<string, string>>) =>
  perContainerFigure(name, type, help, 'usage', pick, extra);

const cpuSeconds = (u: ContainerUsage) => (u.cpuUsageCoreNanoSeconds === undefined ? undefined : u.cpuUsageCoreNanoSeconds / 1e9);

export const CADVISOR_FAMILIES: readonly FamilySpec[] = [
  fromUsage('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed in seconds.', cpuSeconds, { cpu: 'total' }),
  fromUsage('container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.', (u) => u.memoryWorkingSetBytes),
  fromUsage('container_memory_usage_bytes', 'gauge', 'Current memory usage in bytes, including all memory regardless of when it was accessed.', (u) => u.memoryUsageBytes),
  fromUsage('container_memory_rss', 'gauge', 'Size of RSS in bytes.', (u) => u.memoryRssBytes),
  fromUsage('container_memory_swap', 'gauge', 'Container swap usage in bytes.', (u) => u.swapUsageBytes),
  fromUsage('container_memory_failures_total', 'counter', 'Cumulative count of memory allocation failures.', (u) => u.memoryPageFaults, { failure_type: 'pgfault', scope: 'container' }),
  fromUsage('container_memory_failures_total', 'counter', 'Cumulative count of memory allocation failures.', (u) => u.memoryMajorPageFaults, { failure_type: 'pgmajfault', scope: 'container' }),
  fromUsage('container_fs_usage_bytes', 'gauge', "Number of bytes that are consumed by the container's writable layer.", (u) => u.writableLayer?.usedBytes, { device: '' }),
  fromUsage('container_fs_inodes_used', 'gauge', "Number of inodes used by the container's writable layer.", (u) => u.writableLayer?.inodesUsed, { device: '' }),
  perInterface('container_network_receive_bytes_total', 'Cumulative count of bytes received.', 'rxBytes'),
  perInterface('container_network_receive_errors_total', 'Cumulative count of errors encountered while receiving.', 'rxErrors'),
  perInterface('container_network_transmit_bytes_total', 'Cumulative count of bytes transmitted.', 'txBytes'),
  perInterface('container_network_transmit_errors_total', 'Cumulative count of errors encountered while transmitting.', 'txErrors'),
  {
    name: 'container_processes', type: 'gauge', help: 'Number of processes running inside the pod.', cadvisor: true,
    write(s, out) {
      const { pods, podUsage, podHost } = s;
      for (let k = 0; k < pods.length; k++) {
        const p = pods[k] as Pod;
        // The runtime's count when it gave one; else the host's, read from the same pod cgroup.
        const processes = podUsage.get(p.id)?.processes ?? podHost.get(p.id)?.processes;
        if (processes === undefined) continue;
        out.sample(podCadvisorPrefix(p, s), processes);
      }
    },
  },
  perContainer('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds.', (c) => (c.createdAt > 0 ? c.createdAt : undefined)),
  {
    name: 'container_last_seen', type: 'gauge', help: 'Last time a container was seen by the exporter.', cadvisor: true,
    write(s, out) {
      const containers = s.containers;
      for (let i = 0; i < containers.length; i++) out.sample(cadvisorPrefix(containers[i] as Container), s.takenAt);
    },
  },
  ...CGROUP_FAMILIES,
];

const CONTAINER_STATES = ['created', 'running', 'exited', 'unknown'] as const;
const CONTAINER_KEY = ['namespace', 'pod', 'container', 'container_id', 'runtime'] as const;
const containerKeys = new LabelCache((values) => labelPairs(CONTAINER_KEY, values));
const containerKey = (c: Container): Buffer => containerKeys.bytes(c.id, [c.pod.namespace, c.pod.name, c.name, c.id, c.runtime.name]);

const CONTAINER_INFO = ['namespace', 'pod', 'container', 'container_id', 'image', 'image_ref', 'runtime', 'runtime_handler', 'log_path', 'writable_layer'] as const;
const containerInfos = new LabelCache((values) => labelPairs(CONTAINER_INFO, values));
const POD_KEY = ['namespace', 'pod', 'uid', 'sandbox_id', 'runtime', 'runtime_handler', 'state'] as const;
const podKeys = new LabelCache((values) => labelPairs(POD_KEY, values));
const podKey = (p: Pod, s: Snapshot): Buffer => podKeys.bytes(p.id, [p.namespace, p.name, p.uid, p.id, s.runtime.type, p.runtimeHandler, p.state]);

function layerPath(c: Container): string {
  return c.writableLayer.upperDir || c.writableLayer.mergedDir;
}

export const CRI_FAMILIES: readonly FamilySpec[] = [
  {
    name: 'cri_runtime_info', type: 'gauge', help: 'Container runtime on this node; the value is always 1.', cadvisor: false,
    write(s, out) {
      if (s.runtime.type === '') return;
      // node_runtime_version: the Node object's containerRuntimeVersion ('' without the Kubernetes API), to spot a mismatch.
      out.sample(
        labelPairs(['node', 'runtime', 'runtime_name', 'runtime_version', 'runtime_api_version', 'cri_api_version', 'node_runtime_version'],
          [s.runtime.nodeName, s.runtime.type, s.runtime.name, s.runtime.version, s.runtime.apiVersion, s.runtime.criApiVersion,
            s.runtime.kubernetes?.containerRuntimeVersion ?? '']),
        1,
      );
    },
  },
  {
    name: 'cri_runtime_condition', type: 'gauge', help: 'Runtime conditions from the CRI Status call: 1 for the status the condition has.', cadvisor: false,
    write(s, out) {
      for (const c of s.conditions) {
        for (const status of ['true', 'false']) {
          out.sample(labelPairs(['node', 'runtime', 'condition', 'status'], [s.runtime.nodeName, s.runtime.type, c.type, status]), String(c.status) === status ? 1 : 0);
        }
      }
    },
  },
  {
    name: 'cri_container_info', type: 'gauge', help: 'Container log path, writable layer and identity; the value is always 1.', cadvisor: false,
    write(s, out) {
      for (const c of s.containers) {
        const info = [c.pod.namespace, c.pod.name, c.name, c.id, c.image, c.imageRef, c.runtime.name, c.pod.runtimeHandler, c.logPath, layerPath(c)];
        out.sample(containerInfos.bytes(c.id, info), 1);
      }
    },
  },
  {
    name: 'cri_container_state', type: 'gauge', help: 'Container state as the runtime reports it: 1 for the current state.', cadvisor: false,
    write(s, out) {
      for (const c of s.containers) {
        const key = containerKey(c);
        for (const state of CONTAINER_STATES) {
          out.sample(key, c.state === state ? 1 : 0, extraPair('state', state));
        }
      }
    },
  },
  {
    name: 'cri_container_restart_attempt', type: 'gauge', help: 'Restart attempt of the container (0 for the first run).', cadvisor: false,
    write(s, out) {
      for (const c of s.containers) out.sample(containerKey(c), c.attempt);
    },
  },
  {
    name: 'cri_pod_sandbox_info', type: 'gauge', help: 'Pod sandbox identity and state; the value is always 1.', cadvisor: false,
    write(s, out) {
      for (const p of s.pods) {
        out.sample(podKey(p, s), 1);
      }
    },
  },
  {
    name: 'cri_image_fs_used_bytes', type: 'gauge', help: 'Bytes used on the filesystem that holds images.', cadvisor: false,
    write(s, out) {
      for (const f of s.imageFs) {
        if (f.usedBytes !== undefined) out.sample(labelPairs(['runtime', 'mountpoint'], [s.runtime.type, f.mountpoint]), f.usedBytes);
      }
    },
  },
  {
    name: 'cri_image_fs_inodes_used', type: 'gauge', help: 'Inodes used on the filesystem that holds images.', cadvisor: false,
    write(s, out) {
      for (const f of s.imageFs) {
        if (f.inodesUsed !== undefined) out.sample(labelPairs(['runtime', 'mountpoint'], [s.runtime.type, f.mountpoint]), f.inodesUsed);
      }
    },
  },
  {
    name: 'cri_images', type: 'gauge', help: 'Number of images the runtime holds.', cadvisor: false,
    write(s, out) {
      if (s.runtime.type !== '') out.sample(labelPairs(['runtime'], [s.runtime.type]), s.images.length);
    },
  },
  {
    name: 'cri_image_size_bytes', type: 'gauge', help: 'Size of each image as the runtime reports it.', cadvisor: false,
    write(s, out) {
      for (const i of s.images) {
        out.sample(labelPairs(['runtime', 'image_id', 'image'], [s.runtime.type, i.id, i.repoTags[0] ?? '']), i.sizeBytes);
      }
    },
  },
];
