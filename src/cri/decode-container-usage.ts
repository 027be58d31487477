// ListContainerStats rows, from wire bytes straight to the domain type,
// yielding exactly what convert.ts makes of protobufjs's decode with the
// agent's 'reader' proto (see decode-summaries.ts on why a repeated singular
// message replaces rather than merges).
import { readAttributesId, readStringField, readWrapped } from './decode-common.js';
import type { ContainerUsage, FilesystemUsage } from './types.js';
import { FIELDS } from './wire-fields.js';
import { fieldMask, LEN, tagOf, VARINT, type WireReader } from './wire-reader.js';

/** What the agent reads of a CpuUsage. */
interface Cpu {
  timestamp: number;
  usage: number | undefined;
}

/** What the agent reads of a MemoryUsage. */
interface Memory {
  timestamp: number;
  workingSet: number | undefined;
  usage: number | undefined;
  rss: number | undefined;
  pageFaults: number | undefined;
  majorPageFaults: number | undefined;
}

const CPU = FIELDS.CpuUsage;
const CPU_TIMESTAMP = tagOf(CPU.timestamp, VARINT);
const CPU_USAGE = tagOf(CPU.usageCoreNanoSeconds, LEN);
const CPU_READ = fieldMask(CPU.timestamp, CPU.usageCoreNanoSeconds);

// One of each, refilled per row: the caller copies the figures out before
// the next row is read (decoding is synchronous), so a row costs no
// short-lived objects besides the one it becomes.
const cpuRead: Cpu = { timestamp: 0, usage: undefined };
const memoryRead: Memory = { timestamp: 0, workingSet: undefined, usage: undefined, rss: undefined, pageFaults: undefined, majorPageFaults: undefined };

/** Reads a CpuUsage into cpuRead. */
function readCpu(r: WireReader, end: number): Cpu {
  const cpu = cpuRead;
  cpu.timestamp = 0;
  cpu.usage = undefined;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === CPU_TIMESTAMP) cpu.timestamp = r.int64();
    else if (tag === CPU_USAGE) cpu.usage = readWrapped(r, r.end());
    else r.skip(tag, CPU_READ);
  }
  r.finish(end);
  return cpu;
}

const M = FIELDS.MemoryUsage;
const M_TIMESTAMP = tagOf(M.timestamp, VARINT);
const M_WORKING_SET = tagOf(M.workingSetBytes, LEN);
const M_USAGE = tagOf(M.usageBytes, LEN);
const M_RSS = tagOf(M.rssBytes, LEN);
const M_FAULTS = tagOf(M.pageFaults, LEN);
const M_MAJOR_FAULTS = tagOf(M.majorPageFaults, LEN);
const M_READ = fieldMask(M.timestamp, M.workingSetBytes, M.usageBytes, M.rssBytes, M.pageFaults, M.majorPageFaults);

/** Reads a MemoryUsage into memoryRead. */
function readMemory(r: WireReader, end: number): Memory {
  const mem = memoryRead;
  mem.timestamp = 0;
  mem.workingSet = mem.usage = mem.rss = mem.pageFaults = mem.majorPageFaults = undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case M_TIMESTAMP: mem.timestamp = r.int64(); break;
      case M_WORKING_SET: mem.workingSet = readWrapped(r, r.end()); break;
      case M_USAGE: mem.usage = readWrapped(r, r.end()); break;
      case M_RSS: mem.rss = readWrapped(r, r.end()); break;
      case M_FAULTS: mem.pageFaults = readWrapped(r, r.end()); break;
      case M_MAJOR_FAULTS: mem.majorPageFaults = readWrapped(r, r.end()); break;
      default: r.skip(tag, M_READ);
    }
  }
  r.finish(end);
  return mem;
}

const SWAP_USAGE = tagOf(FIELDS.SwapUsage.swapUsageBytes, LEN);
const SWAP_READ = fieldMask(FIELDS.SwapUsage.swapUsageBytes);

function readSwapUsage(r: WireReader, end: number): number | undefined {
  let usage: number | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === SWAP_USAGE) usage = readWrapped(r, r.end());
    else r.skip(tag, SWAP_READ);
  }
  r.finish(end);
  return usage;
}

const FS = FIELDS.FilesystemUsage;
const FS_ID = tagOf(FS.fsId, LEN);
const FS_USED = tagOf(FS.usedBytes, LEN);
const FS_INODES = tagOf(FS.inodesUsed, LEN);
const FS_READ = fieldMask(FS.fsId, FS.usedBytes, FS.inodesUsed);

function readFilesystemUsage(r: WireReader, end: number): FilesystemUsage {
  let mountpoint = '';
  let usedBytes: number | undefined;
  let inodesUsed: number | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === FS_ID) mountpoint = readStringField(r, r.end(), FIELDS.FilesystemIdentifier.mountpoint, true);
    else if (tag === FS_USED) usedBytes = readWrapped(r, r.end());
    else if (tag === FS_INODES) inodesUsed = readWrapped(r, r.end());
    else r.skip(tag, FS_READ);
  }
  r.finish(end);
  return Object.freeze({ mountpoint, usedBytes, inodesUsed });
}

const CS = FIELDS.ContainerStats;
const CS_ATTRIBUTES = tagOf(CS.attributes, LEN);
const CS_CPU = tagOf(CS.cpu, LEN);
const CS_MEMORY = tagOf(CS.memory, LEN);
const CS_WRITABLE = tagOf(CS.writableLayer, LEN);
const CS_SWAP = tagOf(CS.swap, LEN);
const CS_READ = fieldMask(CS.attributes, CS.cpu, CS.memory, CS.writableLayer, CS.swap);

export function readContainerStats(r: WireReader, end: number): ContainerUsage {
  let id = '';
  let hasCpu = false;
  let cpuTimestamp = 0;
  let cpuUsage: number | undefined;
  let memTimestamp = 0;
  let workingSet: number | undefined;
  let usage: number | undefined;
  let rss: number | undefined;
  let pageFaults: number | undefined;
  let majorPageFaults: number | undefined;
  let swap: number | undefined;
  let writableLayer: FilesystemUsage | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case CS_ATTRIBUTES: id = readAttributesId(r, r.end()); break;
      case CS_CPU:
        hasCpu = true;
        ({ timestamp: cpuTimestamp, usage: cpuUsage } = readCpu(r, r.end()));
        break;
      case CS_MEMORY:
        ({ timestamp: memTimestamp, workingSet, usage, rss, pageFaults, majorPageFaults } = readMemory(r, r.end()));
        break;
      case CS_WRITABLE: writableLayer = readFilesystemUsage(r, r.end()); break;
      case CS_SWAP: swap = readSwapUsage(r, r.end()); break;
      default: r.skip(tag, CS_READ);
    }
  }
  r.finish(end);
  // Frozen as made: the snapshot holds rows as they are, and deepFreeze
  // then passes over each with one check instead of walking its fields.
  return Object.freeze({
    id,
    // convert.ts takes `cpu.timestamp ?? memory.timestamp`: a present CpuUsage always
    // has a timestamp (0 by default), so memory's counts only when CPU is absent.
    timestamp: (hasCpu ? cpuTimestamp : memTimestamp) / 1e9,
    cpuUsageCoreNanoSeconds: cpuUsage,
    memoryWorkingSetBytes: workingSet,
    memoryUsageBytes: usage,
    memoryRssBytes: rss,
    memoryPageFaults: pageFaults,
    memoryMajorPageFaults: majorPageFaults,
    swapUsageBytes: swap,
    writableLayer,
  });
}
