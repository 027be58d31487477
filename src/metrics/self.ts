// The agent's own families (cri_exporter_*) and the Node.js process metrics,
// kept in prom-client registries: one per exposition format, the same
// metric objects registered in both.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import type { Format } from './exposition.js';

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export class SelfMetrics {
  readonly registries: Readonly<Record<Format, Registry<RegistryContentType>>>;
  private readonly up: Gauge;
  private readonly pollDuration: Histogram;
  private readonly lastPoll: Gauge;
  private readonly requests: Counter;
  private readonly requestDuration: Histogram;
  private readonly partErrors: Counter;
  private readonly invalidItems: Counter;

  constructor(version: string) {
    const prometheus: Registry<RegistryContentType> = new Registry();
    const openmetrics: Registry<RegistryContentType> = new Registry<RegistryContentType>();
    openmetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    this.registries = { prometheus, openmetrics };
    const registers = [prometheus, openmetrics];
    for (const registry of registers) {
      // The event-loop delay monitor wakes the process at this precision: the
      // default 10 ms (per registry) costs an idle agent a few percent of a core.
      collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
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
    this.requests = new Counter({ name: 'cri_exporter_cri_requests_total', help: 'CRI calls made, by method and gRPC status code.', labelNames: ['method', 'code'], registers });
    this.requestDuration = new Histogram({
      name: 'cri_exporter_cri_request_duration_seconds', help: 'Duration of CRI calls, by method.', labelNames: ['method'], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    this.partErrors = new Counter({ name: 'cri_exporter_poll_errors_total', help: 'Parts of a poll that failed, by part (a CRI method or "poll" when the whole poll failed).', labelNames: ['part'], registers });
    this.invalidItems = new Counter({
      name: 'cri_exporter_invalid_items_total', registers, labelNames: ['kind', 'reason'],
      help: 'Items from the runtime dropped as unusable, by kind (container, sandbox, container_stats, sandbox_stats) and reason (duplicate_id, bad_id).',
    });
    this.up.set(0);
  }

  /** Counts runtime items a poll dropped; matches the poller's InvalidObserver. */
  readonly observeInvalid = (kind: string, reason: string, count: number): void => {
    this.invalidItems.inc({ kind, reason }, count);
  };

  /** Counts one CRI call; matches the CRI client's CallObserver. */
  readonly observeCall = (method: string, code: string, seconds: number): void => {
    this.requests.inc({ method, code });
    this.requestDuration.observe({ method }, seconds);
  };

  observePoll(ok: boolean, seconds: number, failedParts: readonly string[], finishedAt: number): void {
    this.up.set(ok ? 1 : 0);
    this.pollDuration.observe(seconds);
    this.lastPoll.set(finishedAt);
    for (const part of failedParts) this.partErrors.inc({ part });
  }

  text(format: Format): Promise<string> {
    return this.registries[format].metrics();
  }
}
