// What the cgroup step adds to the fixture node: cgroup numbers for the web
// app (with a CPU quota) and the database (without one), and the web pod's
// interfaces as its network namespace lists them.
import type { CgroupStats, NetInterface } from '../../src/cgroups/types.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { dbMain, webApp } from '../fixtures/poll-results.js';

export const WEB_APP_CGROUP: CgroupStats = {
  memoryCacheBytes: 20979712, memoryMappedFileBytes: 4096, memoryLimitBytes: 268435456, oomKills: 1,
  cfsPeriods: 40, cfsThrottledPeriods: 39, cfsThrottledSeconds: 3.067254242,
  cpuQuotaMicros: 20000, cpuPeriodMicros: 100000, cpuShares: 256,
  io: [{ majorMinor: '254:0', device: '/dev/vda', readBytes: 8192, writeBytes: 4390912, reads: 2, writes: 57 }],
};

export const DB_CGROUP: CgroupStats = {
  memoryCacheBytes: 0, memoryMappedFileBytes: 0, memoryLimitBytes: 0, oomKills: 0,
  cfsPeriods: 0, cfsThrottledPeriods: 0, cfsThrottledSeconds: 0,
  cpuQuotaMicros: undefined, cpuPeriodMicros: 100000, cpuShares: 1024,
  io: [],
};

export const WEB_POD_NET: readonly NetInterface[] = [
  { name: 'eth0', rxBytes: 1026, rxPackets: 11, rxErrors: 0, rxDropped: 1, txBytes: 542, txPackets: 7, txErrors: 0, txDropped: 0 },
];

export function withHostStats(s: Snapshot): Snapshot {
  return {
    ...s,
    cgroups: new Map([[webApp.id, WEB_APP_CGROUP], [dbMain.id, DB_CGROUP]]),
    podHost: new Map([[webApp.sandboxId, { netDev: WEB_POD_NET }]]),
  };
}
