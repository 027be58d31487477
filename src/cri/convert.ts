// Proto objects (as @grpc/proto-loader decodes them) → domain types. The
// runtime is not trusted: every accessor tolerates a missing or mistyped
// field, so garbage from the runtime degrades to empty values, never a crash.
// The agent's own client decodes the four list answers with list-decoders.ts
// instead; the list conversions here stay the reference those are tested
// against, and serve tools and tests that decode with proto-loader.
import type {
  ContainerDetail, ContainerState, ContainerSummary, ContainerUsage, FilesystemUsage, Image, ImageFs,
  NetworkInterfaceUsage, PodSandbox, PodSandboxDetail, PodSandboxUsage, RuntimeCondition, RuntimeVersion, SandboxState,
} from './types.js';

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}
function list(v: unknown): Raw[] {
  return Array.isArray(v) ? v.map(obj) : [];
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
/** A protobufjs Long (64-bit integers as the agent's decoder leaves them). */
interface LongLike {
  toNumber(): number;
}
function isLong(v: unknown): v is LongLike {
  return v !== null && typeof v === 'object' && typeof (v as Partial<LongLike>).toNumber === 'function';
}
/** A 64-bit integer as a number, from a Long, a number or a decimal string; NaN for anything else. */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? Number.NaN : Number(v);
  return isLong(v) ? v.toNumber() : Number.NaN;
}
/** int64/uint64 fields; out-of-range or garbage becomes 0. */
function int(v: unknown): number {
  const n = toNumber(v);
  return Number.isFinite(n) ? n : 0;
}
/** A UInt64Value wrapper: absent means "not reported", which differs from 0. */
function wrapped(v: unknown): number | undefined {
  if (v === null || v === undefined || typeof v !== 'object') return undefined;
  const n = toNumber((v as Raw).value ?? 0);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === 'string') out[k] = val;
  return out;
}
/** CRI timestamps are nanoseconds since the epoch; we keep fractional seconds. */
function seconds(ns: unknown): number {
  return int(ns) / 1e9;
}

// Enums arrive as numbers from the agent's decoder, by name from other loaders.
const CONTAINER_STATES: Readonly<Record<string, ContainerState>> = {
  CONTAINER_CREATED: 'created', 0: 'created',
  CONTAINER_RUNNING: 'running', 1: 'running',
  CONTAINER_EXITED: 'exited', 2: 'exited',
  CONTAINER_UNKNOWN: 'unknown', 3: 'unknown',
};
function enumKey(v: unknown): string {
  return typeof v === 'number' ? String(v) : str(v);
}
function containerState(v: unknown): ContainerState {
  return Object.hasOwn(CONTAINER_STATES, enumKey(v)) ? CONTAINER_STATES[enumKey(v)] as ContainerState : 'unknown';
}
function sandboxState(v: unknown): SandboxState {
  const key = enumKey(v);
  return key === 'SANDBOX_READY' || key === '0' ? 'ready' : 'notready';
}

export function toRuntimeVersion(r: unknown): RuntimeVersion {
  const o = obj(r);
  return { runtimeName: str(o.runtimeName), runtimeVersion: str(o.runtimeVersion), runtimeApiVersion: str(o.runtimeApiVersion) };
}

export function toConditions(r: unknown): RuntimeCondition[] {
  return list(obj(obj(r).status).conditions).map((c) => ({
    type: str(c.type),
    status: c.status === true,
    reason: str(c.reason),
    message: str(c.message),
  }));
}

/** A PodSandboxMetadata, as both the list and the status calls give it. */
function podIdentity(metadata: unknown): { name: string; namespace: string; uid: string } {
  const meta = obj(metadata);
  return { name: str(meta.name), namespace: str(meta.namespace), uid: str(meta.uid) };
}

export function toPodSandbox(s: Raw): PodSandbox {
  return {
    id: str(s.id),
    ...podIdentity(s.metadata),
    attempt: int(obj(s.metadata).attempt),
    state: sandboxState(s.state),
    createdAt: seconds(s.createdAt),
    labels: stringMap(s.labels),
    runtimeHandler: str(s.runtimeHandler),
  };
}

export function toPodSandboxes(r: unknown): PodSandbox[] {
  return list(obj(r).items).map(toPodSandbox).filter((s) => s.id !== '');
}

export function toPodSandboxDetail(r: unknown): PodSandboxDetail {
  const o = obj(r);
  const s = obj(o.status);
  return {
    id: str(s.id),
    ...podIdentity(s.metadata),
    logDirectory: logDirectoryFromInfo(stringMap(o.info)),
  };
}

/**
 * The pod's log directory from verbose sandbox info. containerd puts the
 * sandbox's CRI config there, marshalled by Go (hence snake_case); CRI-O puts
 * the OCI spec, whose annotations name the sandbox's own log file inside that
 * directory (<log_directory>/<sandbox id>.log). '' when neither is present.
 */
export function logDirectoryFromInfo(info: Readonly<Record<string, string>>): string {
  let doc: Raw;
  try {
    doc = obj(JSON.parse(info.info ?? ''));
  } catch {
    return '';
  }
  const config = obj(doc.config);
  const fromConfig = str(config.log_directory) || str(config.logDirectory);
  if (fromConfig.startsWith('/')) return fromConfig;
  const sandboxLog = str(obj(obj(doc.runtimeSpec).annotations)['io.kubernetes.cri-o.LogPath']);
  const slash = sandboxLog.lastIndexOf('/');
  return sandboxLog.startsWith('/') && slash > 0 ? sandboxLog.slice(0, slash) : '';
}

export function toContainerSummary(c: Raw): ContainerSummary {
  const meta = obj(c.metadata);
  return {
    id: str(c.id),
    sandboxId: str(c.podSandboxId),
    name: str(meta.name),
    attempt: int(meta.attempt),
    image: str(obj(c.image).image),
    imageRef: str(c.imageRef),
    state: containerState(c.state),
    createdAt: seconds(c.createdAt),
    labels: stringMap(c.labels),
  };
}

export function toContainerSummaries(r: unknown): ContainerSummary[] {
  return list(obj(r).containers).map(toContainerSummary).filter((c) => c.id !== '');
}

export function toContainerDetail(r: unknown): ContainerDetail {
  const o = obj(r);
  const s = obj(o.status);
  return {
    id: str(s.id),
    state: containerState(s.state),
    startedAt: seconds(s.startedAt),
    finishedAt: seconds(s.finishedAt),
    exitCode: int(s.exitCode),
    reason: str(s.reason),
    logPath: str(s.logPath),
    image: str(obj(s.image).image),
    imageRef: str(s.imageRef),
    info: stringMap(o.info),
  };
}

function toFilesystemUsage(f: unknown): FilesystemUsage | undefined {
  if (f === null || f === undefined) return undefined;
  const o = obj(f);
  return { mountpoint: str(obj(o.fsId).mountpoint), usedBytes: wrapped(o.usedBytes), inodesUsed: wrapped(o.inodesUsed) };
}

export function toContainerUsage(c: Raw): ContainerUsage {
  const cpu = obj(c.cpu);
  const mem = obj(c.memory);
  return {
    id: str(obj(c.attributes).id),
    timestamp: seconds(cpu.timestamp ?? mem.timestamp),
    cpuUsageCoreNanoSeconds: wrapped(cpu.usageCoreNanoSeconds),
    memoryWorkingSetBytes: wrapped(mem.workingSetBytes),
    memoryUsageBytes: wrapped(mem.usageBytes),
    memoryRssBytes: wrapped(mem.rssBytes),
    memoryPageFaults: wrapped(mem.pageFaults),
    memoryMajorPageFaults: wrapped(mem.majorPageFaults),
    swapUsageBytes: wrapped(obj(c.swap).swapUsageBytes),
    writableLayer: toFilesystemUsage(c.writableLayer),
  };
}

export function toContainerUsages(r: unknown): ContainerUsage[] {
  return list(obj(r).stats).map(toContainerUsage).filter((u) => u.id !== '');
}

function toInterface(i: Raw): NetworkInterfaceUsage {
  return {
    name: str(i.name),
    rxBytes: wrapped(i.rxBytes),
    rxErrors: wrapped(i.rxErrors),
    txBytes: wrapped(i.txBytes),
    txErrors: wrapped(i.txErrors),
  };
}

export function toPodSandboxUsage(p: Raw): PodSandboxUsage {
  const linux = obj(p.linux);
  const net = obj(linux.network);
  const all = [...(net.defaultInterface ? [obj(net.defaultInterface)] : []), ...list(net.interfaces)];
  const byName = new Map(all.map(toInterface).filter((i) => i.name !== '').map((i) => [i.name, i]));
  return {
    id: str(obj(p.attributes).id),
    timestamp: seconds(net.timestamp),
    interfaces: [...byName.values()],
    processes: wrapped(obj(linux.process).processCount),
    containers: list(linux.containers).map(toContainerUsage).filter((u) => u.id !== ''),
  };
}

export function toPodSandboxUsages(r: unknown): PodSandboxUsage[] {
  return list(obj(r).stats).map(toPodSandboxUsage).filter((u) => u.id !== '');
}

export function toImages(r: unknown): Image[] {
  return list(obj(r).images).map((i) => ({
    id: str(i.id),
    repoTags: Array.isArray(i.repoTags) ? i.repoTags.filter((t): t is string => typeof t === 'string') : [],
    repoDigests: Array.isArray(i.repoDigests) ? i.repoDigests.filter((t): t is string => typeof t === 'string') : [],
    sizeBytes: Math.max(0, int(i.size)),
  }));
}

export function toImageFs(r: unknown): ImageFs[] {
  return list(obj(r).imageFilesystems).map((f) => ({
    mountpoint: str(obj(f.fsId).mountpoint),
    usedBytes: wrapped(f.usedBytes),
    inodesUsed: wrapped(f.inodesUsed),
  }));
}
