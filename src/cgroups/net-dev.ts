// Pure parser of /proc/<pid>/net/dev: the interface counters of the network
// namespace that process is in.
import type { NetInterface } from './types.js';

/**
 * Interfaces cAdvisor leaves out of a container's network stats: loopback,
 * the host ends of veth pairs, and the bridges of Docker and nerdctl.
 */
const IGNORED_PREFIXES = ['lo', 'veth', 'docker', 'nerdctl'];

export function isIgnoredInterface(name: string): boolean {
  const lower = name.toLowerCase();
  return IGNORED_PREFIXES.some((p) => lower.startsWith(p));
}

/**
 * Two header lines, then "name: 8 receive counters 8 transmit counters".
 * Receive: bytes packets errs drop fifo frame compressed multicast;
 * transmit: bytes packets errs drop fifo colls carrier compressed.
 * A malformed line fails the whole file: its columns can no longer be trusted.
 */
export function parseNetDev(text: string): NetInterface[] {
  const out: NetInterface[] = [];
  for (const line of text.split('\n').slice(2)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    if (colon < 0 || name === '' || fields.length !== 16 || !fields.every((f) => /^\d+$/.test(f))) {
      throw new Error(`malformed net/dev line ${JSON.stringify(line.slice(0, 120))}`);
    }
    if (isIgnoredInterface(name)) continue;
    const n = fields.map(Number);
    out.push({
      name,
      rxBytes: n[0] as number, rxPackets: n[1] as number, rxErrors: n[2] as number, rxDropped: n[3] as number,
      txBytes: n[8] as number, txPackets: n[9] as number, txErrors: n[10] as number, txDropped: n[11] as number,
    });
  }
  return out;
}
