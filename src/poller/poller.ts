// The poll loop: one poll per interval, never two at once. Each poll asks the
// runtime a constant handful of list calls (plus ContainerStatus for
// containers not seen before) and publishes one immutable Snapshot.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CriCallError } from '../cri/errors.js';
import type { RuntimeSource } from '../cri/source.js';
import type { RuntimeVersion } from '../cri/types.js';
import type { AdapterFactory, RuntimeAdapter } from '../runtimes/adapter.js';
import { crossCheck } from '../kube/node-runtime.js';
import { runtimeType } from '../runtimes/detect.js';
import { genericAdapter } from '../runtimes/generic.js';
import { buildSnapshot, type PollResults } from './build.js';
import { DetailCache } from './details.js';
import { StatsPlan } from './stats-plan.js';
import { validContainers, validContainerUsage, validSandboxes, validSandboxUsage, type InvalidObserver } from './validate.js';
import { emptySnapshot, type PartError, type RuntimeInfo, type Snapshot } from './snapshot.js';

export interface PollLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PollerOptions {
  readonly source: RuntimeSource;
  readonly intervalMs: number;
  readonly nodeName: string;
  readonly endpoint: string;
  readonly logger: PollLogger;
  /** Receives every snapshot, in order, with how long its poll took in seconds. */
  readonly publish: (snapshot: Snapshot, seconds: number) => void;
  /** Runtime-specific enrichment, chosen by runtime type; default: what CRI alone gives. */
  readonly adapterFor?: AdapterFactory;
  /** How long a removed container stays in the snapshot's departed list; default 0. */
  readonly removedGraceMs?: number;
  /** Longest wait between attempts while the runtime keeps failing. */
  readonly maxBackoffMs?: number;
  readonly now?: () => number;
  /** The Node object's status.nodeInfo.containerRuntimeVersion, once read; cross-checked with Version. */
  readonly nodeRuntimeVersion?: () => string | undefined;
  /** Told about runtime items dropped as unusable (duplicate or malformed IDs), per poll. */
  readonly onInvalid?: InvalidObserver;
  /** Adds what the host rather than the runtime knows (cgroups, network namespaces) to each built snapshot. */
  readonly hostStats?: HostStats;
  /** Called as each poll starts (the agent's busy time begins; see SelfMetrics.busy). */
  readonly onPollStart?: () => void;
}

export interface HostStats {
  /** Returns the snapshot with the host's figures added; must not throw. */
  apply(snapshot: Snapshot): Promise<Snapshot>;
  /**
   * True when the last apply() read every ready pod's own figures from the
   * host. The poll then leaves out ListPodSandboxStats: one stats call per
   * poll instead of two, and on containerd the costlier one (it repeats
   * every container's stats per pod; 1.5 s against 0.3 s for
   * ListContainerStats at 110 pods on containerd 1.6).
   */
  coversPods(): boolean;
  /** Lets go of what it keeps between polls (open files); the poller calls it when stopped. */
  close?(): void;
}

export class Poller {
  private latest: Snapshot;
  private version: RuntimeVersion | undefined;
  private readonly details = new DetailCache();
  private readonly stats = new StatsPlan();
  private adapter: RuntimeAdapter | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Snapshot> | undefined;
  private failures = 0;
  private stopped = true;
  private lastTurn = 0;

  constructor(private readonly opts: PollerOptions) {
    this.latest = emptySnapshot(this.runtimeInfo());
  }

  get snapshot(): Snapshot {
    return this.latest;
  }

  /** Unix seconds when the loop last started a poll. */
  get lastTurnAt(): number {
    return this.lastTurn;
  }

  /** Delay before the next attempt: the interval, stretched while the runtime keeps failing. */
  get currentDelayMs(): number {
    const { intervalMs } = this.opts;
    if (this.failures <= 2) return intervalMs;
    const backoff = intervalMs * 2 ** (this.failures - 2);
    return Math.max(intervalMs, Math.min(backoff, this.opts.maxBackoffMs ?? 30_000));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.loop();
  }

  /** Stops the loop and waits for an in-flight poll to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    this.adapter?.close();
    this.opts.hostStats?.close?.();
  }

  /** Runs one poll now unless one is already running, in which case it waits for that one. */
  pollOnce(): Promise<Snapshot> {
    if (this.running === undefined) this.opts.onPollStart?.();
    this.running ??= this.poll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    await this.pollOnce();
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.loop(), this.currentDelayMs);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now() / 1000;
  }

  private async poll(): Promise<Snapshot> {
    const started = process.hrtime.bigint();
    this.lastTurn = this.now();
    let ok = false;
    try {
      const results = await this.collect();
      ok = results.ok;
      // Each stage runs synchronously for a few milliseconds at 1000
      // containers; a scrape that arrives meanwhile is served between them,
      // from the previous snapshot: this one is published whole or not at all.
      await nextTurn();
      let next = buildSnapshot(results, {
        seq: this.latest.seq + 1,
        now: this.now(),
        lastSuccessAt: this.latest.lastSuccessAt,
        previous: this.latest,
        removedGraceSeconds: (this.opts.removedGraceMs ?? 0) / 1000,
      });
      this.stats.review(next.containers, next.usage);
      if (this.opts.hostStats) next = await this.opts.hostStats.apply(next);
      await nextTurn();
      this.latest = next;
    } catch (err) {
      this.latest = this.failedSnapshot(err as Error);
    }
    this.noteOutcome(ok);
    this.opts.publish(this.latest, Number(process.hrtime.bigint() - started) / 1e9);
    return this.latest;
  }

  private noteOutcome(ok: boolean): void {
    if (ok && this.failures > 0) this.opts.logger.info({ failedPolls: this.failures }, 'runtime answers again');
    if (!ok && this.failures === 0) {
      this.opts.logger.warn({ errors: this.latest.errors }, 'poll failed; serving the last snapshot and retrying');
    }
    this.failures = ok ? 0 : this.failures + 1;
  }

  /** A failed poll keeps the last good data so that scrapes still see it, marked not ok. */
  private failedSnapshot(err: Error): Snapshot {
    if (err instanceof CriCallError && err.unavailable) {
      // The runtime may come back as another version, or another runtime.
      this.version = undefined;
      this.opts.source.resetNegotiation();
    }
    const prev = this.latest;
    return Object.freeze({
      ...prev,
      seq: prev.seq + 1,
      takenAt: this.now(),
      ok: false,
      runtime: this.runtimeInfo(),
      errors: Object.freeze([{ part: 'poll', message: err.message }]),
    });
  }

  private runtimeInfo(): RuntimeInfo {
    const v = this.version;
    const type = v ? runtimeType(v.runtimeName) : '';
    const nodeValue = this.opts.nodeRuntimeVersion?.();
    return Object.freeze({
      type,
      name: v?.runtimeName ?? '',
      version: v?.runtimeVersion ?? '',
      apiVersion: v?.runtimeApiVersion ?? '',
      criApiVersion: this.opts.source.apiVersion ?? '',
      endpoint: this.opts.endpoint,
      nodeName: this.opts.nodeName,
      ...(nodeValue === undefined ? {} : { kubernetes: crossCheck({ type, version: v?.runtimeVersion ?? '' }, nodeValue) }),
    });
  }

  private async collect(): Promise<PollResults> {
    const src = this.opts.source;
    const adapter = await this.ensureVersion();
    // Independent calls go out together; ListPodSandboxStats is among them
    // at most once, and polls never overlap, so it is never in flight twice.
    const podStatsFromHost = this.opts.hostStats?.coversPods() === true;
    // Every call has settled before the poll goes on, even when it fails.
    const [[status, sandboxes, containers, imageFs, images], stats] = await Promise.all([
      Promise.allSettled([src.status(), src.listPodSandboxes(), src.listContainers(), src.imageFsInfo(), src.listImages()]),
      this.stats.ask(src, podStatsFromHost),
    ]);
    if (sandboxes.status === 'rejected') throw sandboxes.reason;
    if (containers.status === 'rejected') throw containers.reason;
    const errors: PartError[] = [];
    const value = <T>(part: string, r: PromiseSettledResult<T>, fallback: T): T => {
      if (r.status === 'fulfilled') return r.value;
      errors.push({ part, message: (r.reason as Error).message });
      return fallback;
    };
    const invalid: InvalidObserver = this.opts.onInvalid ?? (() => undefined);
    const listed = validContainers(containers.value, invalid);
    const refreshed = await this.details.refresh(src, listed, (d) => adapter.enrich(d));
    for (const message of refreshed.failures) errors.push({ part: 'ContainerStatus', message });
    return {
      runtime: this.runtimeInfo(),
      conditions: value('Status', status, this.latest.conditions),
      sandboxes: validSandboxes(sandboxes.value, invalid),
      containers: listed,
      details: refreshed.details,
      containerUsage: validContainerUsage(value('ListContainerStats', stats.containers, []), invalid),
      sandboxUsage: validSandboxUsage(value('ListPodSandboxStats', stats.pods, []), invalid),
      imageFs: value('ImageFsInfo', imageFs, this.latest.imageFs),
      images: value('ListImages', images, this.latest.images),
      errors,
      ok: true,
      writableLayerFromStats: (u) => adapter.writableLayerFromStats(u),
    };
  }

  /** Version at start and after an outage; a different runtime type gets a fresh adapter and cache. */
  private async ensureVersion(): Promise<RuntimeAdapter> {
    if (this.opts.source.takeReconnect()) this.version = undefined;
    if (this.version === undefined || this.adapter === undefined) {
      this.stats.reset();
      this.version = await this.opts.source.version();
      const type = runtimeType(this.version.runtimeName);
      if (this.adapter?.type !== type) {
        this.adapter?.close();
        this.details.clear();
        this.adapter = (this.opts.adapterFor ?? genericAdapter)(type);
      }
    }
    return this.adapter;
  }
}
