// The agent's own families (cri_exporter_*) and the Node.js process metrics,
// kept in prom-client registries: one per exposition format, the same
// metric objects registered in both but for the counters.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type CounterConfiguration, type RegistryContentType } from 'prom-client';
import type { Format } from './exposition.js';

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * How old the process metrics (CPU, memory, heap, event loop, GC) may be
 * when served. Collecting them (reading /proc, the event-loop histogram)
 * costs about 0.5 ms, more than the rest of a scrape; the agent's own
 * families are never served stale, as any change to them is seen at once.
 */
const PROCESS_METRICS_MAX_AGE_MS = 1000;

/**
 * prom-client's event-loop monitor samples the lag on a timer that wakes the
 * process all the time, busy or idle; every wake-up of an idle process costs
 * CPU (measured on a VM: an empty 1 s interval timer alone, ~9 ms of CPU a
 * second). Its timer is set to this (never, in practice) and its families are
 * served from BusyLoopLag instead.
 */
const PROM_CLIENT_MONITOR_MS = 2 ** 30;
const LAG_FAMILIES = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;
const LAG_SAMPLE_MS = 10;

/**
 * The event-loop lag while the agent works (a poll and the rendering that
 * follows it): the only time a scrape can find the loop busy. The monitor's
 * timer runs then only, so an idle agent is not woken to find no lag.
 */
type LagReading = Readonly<Record<(typeof LAG_FAMILIES)[number], number>>;

class BusyLoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_SAMPLE_MS });
  private depth = 0;
  private last: { readonly at: number; readonly values: LagReading } | undefined;

  /** Marks the start of busy time; the returned function, its end. */
  busy(): () => void {
    if (this.depth++ === 0) this.histogram.enable();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.depth === 0) this.histogram.disable();
    };
  }

  /**
   * Seconds, per family, since the reading before; 0 where no busy time was
   * sampled. The seven gauges of a collection share one reading: a new one is
   * taken (and the samples reset) when the last is a second old.
   */
  current(): LagReading {
    const now = performance.now();
    if (this.last === undefined || now - this.last.at >= 1000) this.last = { at: now, values: this.read() };
    return this.last.values;
  }

  private read(): LagReading {
    const h = this.histogram;
    const none = h.count === 0;
    const s = (ns: number) => (none || !Number.isFinite(ns) ? 0 : ns / 1e9);
    const out = {
      min: s(h.min), max: s(h.max), mean: s(h.mean), stddev: s(h.stddev),
      p50: s(h.percentile(50)), p90: s(h.percentile(90)), p99: s(h.percentile(99)),
    };
    h.reset();
    return out;
  }
}

interface Collected {
  readonly text: Promise<Buffer>;
  readonly at: number;
  readonly changes: number;
}

export class SelfMetrics {
  readonly registries: Readonly<Record<Format, Registry<RegistryContentType>>>;
  private readonly up: Gauge;
  private readonly pollDuration: Histogram;
  private readonly lastPoll: Gauge;
  // Counters come one per registry: prom-client's OpenMetrics registry drops
  // `_total` from the name of each counter it renders, in place, which would
  // rename a shared one in the Prometheus text too.
  private readonly requests: readonly Counter[];
  private readonly requestDuration: Histogram;
  private readonly partErrors: readonly Counter[];
  private readonly invalidItems: readonly Counter[];
  /** Counts updates to the agent's own families, so a collection knows whether it is still current. */
  private changes = 0;
  private readonly collected = new Map<Format, Collected>();
  private readonly loopLag = new BusyLoopLag();

  constructor(version: string) {
    const prometheus: Registry<RegistryContentType> = new Registry();
    const openmetrics: Registry<RegistryContentType> = new Registry<RegistryContentType>();
    openmetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    this.registries = { prometheus, openmetrics };
    const registers = [prometheus, openmetrics];
    const counters = <L extends string>(config: CounterConfiguration<L>): Counter<L>[] => registers.map((r) => new Counter({ ...config, registers: [r] }));
    for (const registry of registers) {
      collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: PROM_CLIENT_MONITOR_MS });
      // Gauges named *_total fail promtool's lint; the per-type gauges without the suffix remain.
      for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
      for (const f of LAG_FAMILIES) registry.removeSingleMetric(`nodejs_eventloop_lag_${f}_seconds`);
    }
    const loopLag = this.loopLag;
    for (const f of LAG_FAMILIES) {
      new Gauge({
        name: `nodejs_eventloop_lag_${f}_seconds`, registers,
        help: `The ${f} of the event-loop lag sampled every ${LAG_SAMPLE_MS} ms while the agent polls and renders, in seconds (0 when it did not since the last scrape).`,
        collect(this: Gauge) {
          this.set(loopLag.current()[f]);
        },
      });
    }
    new Gauge({ name: 'cri_exporter_build_info', help: 'Version of cri-exporter; the value is always 1.', labelNames: ['version', 'nodejs_version'], registers })
      .set({ version, nodejs_version: process.versions.node }, 1);
    this.up = new Gauge({ name: 'cri_exporter_up', help: '1 when the last poll of the runtime succeeded, 0 when it failed.', registers });
    this.pollDuration = new Histogram({
      name: 'cri_exporter_poll_duration_seconds', help: 'Duration of a poll of the runtime.', registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.lastPoll = new Gauge({ name: 'cri_exporter_last_poll_timestamp_seconds', help: 'Unix time when the last poll finished.', registers });
    this.requests = counters({ name: 'cri_exporter_cri_requests_total', help: 'CRI calls made, by method and gRPC status code.', labelNames: ['method', 'code'] });
    this.requestDuration = new Histogram({
      name: 'cri_exporter_cri_request_duration_seconds', help: 'Duration of CRI calls, by method.', labelNames: ['method'], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    this.partErrors = counters({ name: 'cri_exporter_poll_errors_total', help: 'Parts of a poll that failed, by part (a CRI method or "poll" when the whole poll failed).', labelNames: ['part'] });
    this.invalidItems = counters({
      name: 'cri_exporter_invalid_items_total', labelNames: ['kind', 'reason'],
      help: 'Items from the runtime dropped as unusable, by kind (container, sandbox, container_stats, sandbox_stats) and reason (duplicate_id, bad_id).',
    });
    this.up.set(0);
  }

  /** Marks the start of the agent's busy time (a poll and its rendering), when the event-loop lag is sampled; call the result at its end. */
  busy(): () => void {
    return this.loopLag.busy();
  }

  /** Counts runtime items a poll dropped; matches the poller's InvalidObserver. */
  readonly observeInvalid = (kind: string, reason: string, count: number): void => {
    for (const c of this.invalidItems) c.inc({ kind, reason }, count);
    this.changes++;
  };

  /** Counts one CRI call; matches the CRI client's CallObserver. */
  readonly observeCall = (method: string, code: string, seconds: number): void => {
    for (const c of this.requests) c.inc({ method, code });
    this.requestDuration.observe({ method }, seconds);
    this.changes++;
  };

  observePoll(ok: boolean, seconds: number, failedParts: readonly string[], finishedAt: number): void {
    this.up.set(ok ? 1 : 0);
    this.pollDuration.observe(seconds);
    this.lastPoll.set(finishedAt);
    for (const part of failedParts) for (const c of this.partErrors) c.inc({ part });
    this.changes++;
  }

  /** The exposition of these families; the same Buffer while nothing changed and the process metrics are fresh enough. */
  text(format: Format): Promise<Buffer> {
    const last = this.collected.get(format);
    const now = performance.now();
    if (last !== undefined && last.changes === this.changes && now - last.at < PROCESS_METRICS_MAX_AGE_MS) return last.text;
    const text = this.registries[format].metrics().then((t) => Buffer.from(t));
    const entry = { text, at: now, changes: this.changes };
    this.collected.set(format, entry);
    // A failed collection is not kept: the next scrape tries again.
    text.catch(() => {
      if (this.collected.get(format) === entry) this.collected.delete(format);
    });
    return text;
  }
}
