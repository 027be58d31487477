// The cAdvisor families CRI stats lack, read from cgroups and the pods'
// network namespaces (see src/cgroups): names, types and label sets as the
// kubelet's /metrics/cadvisor has them, help texts our own.
import type { CgroupStats, DeviceIo, NetInterface } from '../cgroups/types.js';
import type { Container, Pod } from '../poller/snapshot.js';
import { perContainerFigure, type FamilySpec } from './family.js';

type CgroupValue = (g: CgroupStats) => number | undefined;
import { cadvisorPrefix, extraPair, podCadvisorPrefix } from './labels.js';


/** cAdvisor reports CFS counters only for containers that have a CPU quota. */
const withQuota = (pick: CgroupValue): CgroupValue => (g) => (g.cpuQuotaMicros === undefined ? undefined : pick(g));

type IoField = Exclude<keyof DeviceIo, 'majorMinor' | 'device'>;

/** One series per container and block device, labelled with the device's /dev path. */
function perDevice(name: string, help: string, field: IoField): FamilySpec {
  return {
    name, type: 'counter', help, cadvisor: true,
    write(s, out) {
      const { containers, cgroups } = s;
      for (let i = 0; i < containers.length; i++) {
        const c = containers[i] as Container;
        const io = cgroups.get(c.id)?.io;
        if (io === undefined) continue;
        for (let k = 0; k < io.length; k++) {
          const d = io[k] as DeviceIo;
          out.sample(cadvisorPrefix(c), d[field], extraPair('device', d.device));
        }
      }
    },
  };
}

type PacketField = 'rxPackets' | 'rxDropped' | 'txPackets' | 'txDropped';

/** Pod-level, one series per interface, with the labels of the CRI-based pod network families. */
function perPodInterface(name: string, help: string, field: PacketField): FamilySpec {
  return {
    name, type: 'counter', help, cadvisor: true,
    write(s, out) {
      const { pods, podHost } = s;
      for (let k = 0; k < pods.length; k++) {
        const p = pods[k] as Pod;
        const netDev = podHost.get(p.id)?.netDev;
        if (netDev === undefined || netDev.length === 0) continue;
        const prefix = podCadvisorPrefix(p, s);
        for (let n = 0; n < netDev.length; n++) {
          const i = netDev[n] as NetInterface;
          out.sample(prefix, i[field], extraPair('interface', i.name));
        }
      }
    },
  };
}

/** Families of a figure of the containers' cgroups, read by the host-stats step. */
const gauge = (name: string, help: string, pick: CgroupValue): FamilySpec => perContainerFigure(name, 'gauge', help, 'cgroups', pick);
const counter = (name: string, help: string, pick: CgroupValue): FamilySpec => perContainerFigure(name, 'counter', help, 'cgroups', pick);

export const CGROUP_FAMILIES: readonly FamilySpec[] = [
  counter('container_cpu_cfs_periods_total', 'CFS enforcement periods that elapsed while the container had runnable tasks.', withQuota((g) => g.cfsPeriods)),
  counter('container_cpu_cfs_throttled_periods_total', 'CFS enforcement periods in which the container used up its quota and was throttled.', withQuota((g) => g.cfsThrottledPeriods)),
  counter('container_cpu_cfs_throttled_seconds_total', 'Total time the container spent throttled by CFS, in seconds.', withQuota((g) => g.cfsThrottledSeconds)),
  gauge('container_spec_cpu_period', 'CFS period of the container, in microseconds.', (g) => g.cpuPeriodMicros),
  gauge('container_spec_cpu_quota', 'CFS quota of the container, in microseconds of CPU time per period; absent without a quota.', (g) => g.cpuQuotaMicros),
  gauge('container_spec_cpu_shares', 'Relative CPU weight of the container, as cgroup v1 cpu.shares.', (g) => g.cpuShares),
  gauge('container_spec_memory_limit_bytes', 'Memory limit of the container in bytes; 0 means no limit.', (g) => g.memoryLimitBytes),
  gauge('container_memory_cache', 'Page cache charged to the container, in bytes.', (g) => g.memoryCacheBytes),
  gauge('container_memory_mapped_file', 'Memory-mapped file pages charged to the container, in bytes.', (g) => g.memoryMappedFileBytes),
  counter('container_oom_events_total', 'Processes of the container killed by the kernel OOM killer.', (g) => g.oomKills),
  perDevice('container_fs_reads_bytes_total', 'Bytes the container read from the block device.', 'readBytes'),
  perDevice('container_fs_reads_total', 'Read operations the container completed on the block device.', 'reads'),
  perDevice('container_fs_writes_bytes_total', 'Bytes the container wrote to the block device.', 'writeBytes'),
  perDevice('container_fs_writes_total', 'Write operations the container completed on the block device.', 'writes'),
  perPodInterface('container_network_receive_packets_total', 'Packets the pod received on the interface.', 'rxPackets'),
  perPodInterface('container_network_receive_packets_dropped_total', 'Packets dropped while receiving on the pod\'s interface.', 'rxDropped'),
  perPodInterface('container_network_transmit_packets_total', 'Packets the pod transmitted on the interface.', 'txPackets'),
  perPodInterface('container_network_transmit_packets_dropped_total', 'Packets dropped while transmitting on the pod\'s interface.', 'txDropped'),
];
