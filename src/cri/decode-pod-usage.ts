// ListPodSandboxStats rows, from wire bytes straight to the domain type,
// yielding exactly what convert.ts makes of protobufjs's decode with the
// agent's 'reader' proto. The network and process figures are read, and the
// container stats repeated inside each pod (most of the answer) when asked
// for; the pod's CPU and memory are stepped over.
import { readAttributesId, readWrapped } from './decode-common.js';
import { readContainerStats } from './decode-container-usage.js';
import type { ContainerUsage, NetworkInterfaceUsage, PodSandboxUsage } from './types.js';
import { FIELDS } from './wire-fields.js';
import { fieldMask, LEN, tagOf, VARINT, type WireReader } from './wire-reader.js';

/** What one LinuxPodSandboxStats holds for the agent; a second one in a row replaces the first. */
interface LinuxFigures {
  timestamp: number;
  defaultInterface: NetworkInterfaceUsage | undefined;
  interfaces: NetworkInterfaceUsage[];
  processes: number | undefined;
  containers: ContainerUsage[];
}

const P = FIELDS.PodSandboxStats;
const P_ATTRIBUTES = tagOf(P.attributes, LEN);
const P_LINUX = tagOf(P.linux, LEN);
const P_READ = fieldMask(P.attributes, P.linux);

/** One pod's row; `withContainers` false steps over its containers' stats (`containers` is then empty). */
export function readPodSandboxStats(r: WireReader, end: number, withContainers: boolean): PodSandboxUsage {
  let id = '';
  let linux: LinuxFigures | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === P_ATTRIBUTES) id = readAttributesId(r, r.end());
    else if (tag === P_LINUX) linux = readLinux(r, r.end(), withContainers);
    else r.skip(tag, P_READ);
  }
  r.finish(end);
  // Frozen as made, with its lists (their rows are frozen already): see readContainerStats.
  return Object.freeze({
    id,
    timestamp: (linux?.timestamp ?? 0) / 1e9,
    interfaces: Object.freeze(linux ? uniqueByName(linux.defaultInterface, linux.interfaces) : []),
    processes: linux?.processes,
    containers: Object.freeze(linux?.containers ?? []),
  });
}

/**
 * The default interface first, then the others, one per name, empty names
 * dropped; a later duplicate replaces the earlier in its place, as building
 * a Map does in convert.ts.
 */
function uniqueByName(first: NetworkInterfaceUsage | undefined, rest: NetworkInterfaceUsage[]): NetworkInterfaceUsage[] {
  // Nearly every pod has its default interface alone: no map for that.
  if (rest.length === 0) return first !== undefined && first.name !== '' ? [first] : [];
  const byName = new Map<string, NetworkInterfaceUsage>();
  if (first && first.name !== '') byName.set(first.name, first);
  for (const i of rest) if (i.name !== '') byName.set(i.name, i);
  return [...byName.values()];
}

const L = FIELDS.LinuxPodSandboxStats;
const L_NETWORK = tagOf(L.network, LEN);
const L_PROCESS = tagOf(L.process, LEN);
const L_CONTAINERS = tagOf(L.containers, LEN);
const L_READ = fieldMask(L.network, L.process, L.containers);
const L_READ_POD_ONLY = fieldMask(L.network, L.process);

function readLinux(r: WireReader, end: number, withContainers: boolean): LinuxFigures {
  const figures: LinuxFigures = { timestamp: 0, defaultInterface: undefined, interfaces: [], processes: undefined, containers: [] };
  const read = withContainers ? L_READ : L_READ_POD_ONLY;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === L_NETWORK) readNetwork(r, r.end(), figures);
    else if (tag === L_PROCESS) figures.processes = readProcessCount(r, r.end());
    else if (tag === L_CONTAINERS && withContainers) readContainerRow(r, r.end(), figures.containers);
    else r.skip(tag, read);
  }
  r.finish(end);
  return figures;
}

/** A container row, kept when it has an id (as a ListContainerStats row is). */
function readContainerRow(r: WireReader, end: number, into: ContainerUsage[]): void {
  const row = readContainerStats(r, end);
  if (row.id !== '') into.push(row);
}

const N = FIELDS.NetworkUsage;
const N_TIMESTAMP = tagOf(N.timestamp, VARINT);
const N_DEFAULT = tagOf(N.defaultInterface, LEN);
const N_INTERFACES = tagOf(N.interfaces, LEN);
const N_READ = fieldMask(N.timestamp, N.defaultInterface, N.interfaces);

/** A NetworkUsage into `into`, replacing what an earlier one in the same row left there. */
function readNetwork(r: WireReader, end: number, into: LinuxFigures): void {
  into.timestamp = 0;
  into.defaultInterface = undefined;
  into.interfaces = [];
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === N_TIMESTAMP) into.timestamp = r.int64();
    else if (tag === N_DEFAULT) into.defaultInterface = readInterface(r, r.end());
    else if (tag === N_INTERFACES) into.interfaces.push(readInterface(r, r.end()));
    else r.skip(tag, N_READ);
  }
  r.finish(end);
}

const I = FIELDS.NetworkInterfaceUsage;
const I_NAME = tagOf(I.name, LEN);
const I_RX_BYTES = tagOf(I.rxBytes, LEN);
const I_RX_ERRORS = tagOf(I.rxErrors, LEN);
const I_TX_BYTES = tagOf(I.txBytes, LEN);
const I_TX_ERRORS = tagOf(I.txErrors, LEN);
const I_READ = fieldMask(I.name, I.rxBytes, I.rxErrors, I.txBytes, I.txErrors);

function readInterface(r: WireReader, end: number): NetworkInterfaceUsage {
  let name = '';
  let rxBytes: number | undefined;
  let rxErrors: number | undefined;
  let txBytes: number | undefined;
  let txErrors: number | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case I_NAME: name = r.pooledString(); break;
      case I_RX_BYTES: rxBytes = readWrapped(r, r.end()); break;
      case I_RX_ERRORS: rxErrors = readWrapped(r, r.end()); break;
      case I_TX_BYTES: txBytes = readWrapped(r, r.end()); break;
      case I_TX_ERRORS: txErrors = readWrapped(r, r.end()); break;
      default: r.skip(tag, I_READ);
    }
  }
  r.finish(end);
  return Object.freeze({ name, rxBytes, rxErrors, txBytes, txErrors });
}

const PROCESS_COUNT = tagOf(FIELDS.ProcessUsage.processCount, LEN);
const PROCESS_READ = fieldMask(FIELDS.ProcessUsage.processCount);

function readProcessCount(r: WireReader, end: number): number | undefined {
  let count: number | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === PROCESS_COUNT) count = readWrapped(r, r.end());
    else r.skip(tag, PROCESS_READ);
  }
  r.finish(end);
  return count;
}
