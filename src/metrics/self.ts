// The agent's own families (cri_exporter_*) and the Node.js process metrics,
// kept in prom-client registries: one per exposition format, the same
// metric objects registered in both but for the counters.
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

  constructor(version: string) {
    const prometheus: Registry<RegistryContentType> = new Registry();
    const openmetrics: Registry<RegistryContentType> = new Registry<RegistryContentType>();
    openmetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    this.registries = { prometheus, openmetrics };
    const registers = [prometheus, openmetrics];
    const counters = <L extends string>(config: CounterConfiguration<L>): Counter<L>[] => registers.map((r) => new Counter({ ...config, registers: [r] }));
    for (const registry of registers) {
      // The event-loop delay monitor wakes the process at this interval, once
      // per registry: at 100 ms that was ~20 wake-ups a second and about 5
      // millicores of an idle agent on a VM. Once a second still samples the
      // lag; stalls shorter than that are what the bench's loop figures show.
      collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
      // Gauges named *_total fail promtool's lint; the per-type gauges without the suffix remain.
      for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
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
