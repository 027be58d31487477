// The chart's PrometheusRule: promtool accepts its rule groups, each alert
// fires on the situation it is named after and stays quiet on its near
// misses (promtool's rule unit tests: Prometheus's own rule engine on
// synthetic series), and each links to its section of docs/runbooks.md.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { e2eSkip } from '../e2e/harness/preconditions.js';
import { chartRuleGroups, type RuleGroup } from './monitoring.js';
import { REPO, run } from './render.js';

const RUNBOOKS = join(REPO, 'docs', 'runbooks.md');
const DOC = 'docs/runbooks.md';
const J = 'job="cri-exporter"';
const TARGET = `${J}, instance="10.0.0.7:9310", node="n1"`;
const POD = 'namespace="shop", pod="web-1", node="n1"';
const C = (id: string, container = 'app') => `${J}, instance="10.0.0.7:9310", ${POD}, container="${container}", name="${id}", id="/kubepods/pod1/${id}", image="shop/app:1", runtime="containerd"`;
const TARGET_LABELS = { job: 'cri-exporter', instance: '10.0.0.7:9310', node: 'n1' };
const CONTAINER_LABELS = (id: string) => ({
  ...TARGET_LABELS, namespace: 'shop', pod: 'web-1', container: 'app', name: id, id: `/kubepods/pod1/${id}`, image: 'shop/app:1', runtime: 'containerd',
});

/** promtool rule unit tests, one per alert: the situation, and what must (and only what must) fire. */
const UNIT_TESTS = [
  {
    interval: '1m',
    input_series: [
      { series: `up{${TARGET}}`, values: '1 1 1 0x10' },
      { series: `up{${J}, instance="10.0.0.8:9310", node="n2"}`, values: '1x13' },
    ],
    alert_rule_test: [
      { eval_time: '6m', alertname: 'CriExporterDown', exp_alerts: [] },
      {
        eval_time: '10m', alertname: 'CriExporterDown',
        exp_alerts: [{
          exp_labels: { ...TARGET_LABELS, severity: 'warning' },
          exp_annotations: {
            summary: 'cri-exporter cannot be scraped.',
            description: 'Prometheus has not been able to scrape cri-exporter on node n1 (10.0.0.7:9310) for 5 minutes: the container metrics and log discovery of that node are missing.',
            runbook_url: `${DOC}#criexporterdown`,
          },
        }],
      },
      { eval_time: '10m', alertname: 'CriExporterAbsent', exp_alerts: [] },
    ],
  },
  {
    interval: '1m',
    input_series: [{ series: 'up{job="something-else"}', values: '1x30' }],
    alert_rule_test: [{
      eval_time: '20m', alertname: 'CriExporterAbsent',
      exp_alerts: [{
        exp_labels: { job: 'cri-exporter', severity: 'warning' },
        exp_annotations: {
          summary: 'No cri-exporter target is discovered.',
          description: 'Prometheus has had no cri-exporter target for 15 minutes: the DaemonSet, its Service or the ServiceMonitor/PodMonitor is missing, or Prometheus does not select it.',
          runbook_url: `${DOC}#criexporterabsent`,
        },
      }],
    }],
  },
  {
    interval: '1m',
    input_series: [
      { series: `cri_exporter_up{${TARGET}}`, values: '1 0x10' },
      // Counts one failed part a minute for an hour on n1; one error only on n2.
      { series: `cri_exporter_poll_errors_total{${TARGET}, part="ListPodSandboxStats"}`, values: '0+1x60' },
      { series: `cri_exporter_poll_errors_total{${J}, instance="10.0.0.8:9310", node="n2", part="ImageFsInfo"}`, values: '0 1x60' },
    ],
    alert_rule_test: [
      {
        eval_time: '10m', alertname: 'CriExporterPollFailing',
        exp_alerts: [{
          exp_labels: { ...TARGET_LABELS, severity: 'warning' },
          exp_annotations: {
            summary: 'cri-exporter cannot poll the container runtime.',
            description: 'cri-exporter on node n1 has failed every poll of the container runtime for 5 minutes; it keeps serving the last snapshot, which is getting stale.',
            runbook_url: `${DOC}#criexporterpollfailing`,
          },
        }],
      },
      { eval_time: '30m', alertname: 'CriExporterPollErrors', exp_alerts: [] },
      {
        eval_time: '45m', alertname: 'CriExporterPollErrors',
        exp_alerts: [{
          exp_labels: { node: 'n1', part: 'ListPodSandboxStats', severity: 'warning' },
          exp_annotations: {
            summary: "Part of cri-exporter's poll keeps failing.",
            description: 'On node n1 the "ListPodSandboxStats" part of the poll has been failing for 30 minutes (16.67m errors/s); the metrics it feeds are missing or stale.',
            runbook_url: `${DOC}#criexporterpollerrors`,
          },
        }],
      },
    ],
  },
  {
    interval: '1m',
    input_series: [
      { series: `cri_runtime_condition{${TARGET}, runtime="containerd", condition="RuntimeReady", status="true"}`, values: '1 1 0x10' },
      { series: `cri_runtime_condition{${TARGET}, runtime="containerd", condition="RuntimeReady", status="false"}`, values: '0 0 1x10' },
      { series: `cri_runtime_condition{${TARGET}, runtime="containerd", condition="NetworkReady", status="true"}`, values: '0x12' },
    ],
    alert_rule_test: [{
      eval_time: '10m', alertname: 'CriRuntimeNotReady',
      exp_alerts: [{
        exp_labels: { ...TARGET_LABELS, runtime: 'containerd', condition: 'RuntimeReady', status: 'true', severity: 'critical' },
        exp_annotations: {
          summary: 'The container runtime reports itself not ready.',
          description: 'The containerd runtime on node n1 has reported RuntimeReady=false for 5 minutes: the node cannot start or manage containers.',
          runbook_url: `${DOC}#criruntimenotready`,
        },
      }],
    }],
  },
  {
    interval: '1m',
    input_series: [
      // 95% of its limit; 50% of its limit; far above a "limit" of 0 (none).
      { series: `container_memory_working_set_bytes{${C('c1')}}`, values: '95x30' },
      { series: `container_spec_memory_limit_bytes{${C('c1')}}`, values: '100x30' },
      { series: `container_memory_working_set_bytes{${C('c2', 'sidecar')}}`, values: '50x30' },
      { series: `container_spec_memory_limit_bytes{${C('c2', 'sidecar')}}`, values: '100x30' },
      { series: `container_memory_working_set_bytes{${C('c3', 'nolimit')}}`, values: '1000x30' },
      { series: `container_spec_memory_limit_bytes{${C('c3', 'nolimit')}}`, values: '0x30' },
    ],
    alert_rule_test: [{
      eval_time: '20m', alertname: 'CriContainerMemoryNearLimit',
      exp_alerts: [{
        // Matched on the container's identity, so the alert carries those labels.
        exp_labels: { node: 'n1', namespace: 'shop', pod: 'web-1', container: 'app', name: 'c1', severity: 'warning' },
        exp_annotations: {
          summary: "A container's memory working set is close to its limit.",
          description: 'Container app of pod shop/web-1 on node n1 uses 95% of its memory limit; it will be OOM-killed when it reaches it.',
          runbook_url: `${DOC}#cricontainermemorynearlimit`,
        },
      }],
    }],
  },
  {
    interval: '1m',
    input_series: [
      // Each restart is a new container (new ID) with the next attempt; old ones linger.
      { series: `cri_container_restart_attempt{${C('a0')}}`, values: '0x60' },
      { series: `cri_container_restart_attempt{${C('a1')}}`, values: '_x40 1x20' },
      { series: `cri_container_restart_attempt{${C('a2')}}`, values: '_x45 2x15' },
      { series: `cri_container_restart_attempt{${C('a3')}}`, values: '_x50 3x10' },
      // Restarted long ago, steady since.
      { series: `cri_container_restart_attempt{${C('b7', 'steady')}}`, values: '7x60' },
    ],
    alert_rule_test: [
      { eval_time: '50m', alertname: 'CriContainerRestartingOften', exp_alerts: [] },
      {
        eval_time: '60m', alertname: 'CriContainerRestartingOften',
        exp_alerts: [{
          exp_labels: { node: 'n1', namespace: 'shop', pod: 'web-1', container: 'app', severity: 'warning' },
          exp_annotations: {
            summary: 'A container keeps restarting.',
            description: 'Container app of pod shop/web-1 on node n1 has restarted 3 times in 30m.',
            runbook_url: `${DOC}#cricontainerrestartingoften`,
          },
        }],
      },
    ],
  },
  {
    interval: '1m',
    input_series: [
      // 2,000,000 B/s for 40 minutes; a slow grower at about 16 kB/s.
      { series: `container_fs_usage_bytes{${C('w1')}, device=""}`, values: '0+120000000x40' },
      { series: `container_fs_usage_bytes{${C('w2', 'logger')}, device=""}`, values: '0+1000000x40' },
    ],
    alert_rule_test: [{
      eval_time: '35m', alertname: 'CriContainerWritableLayerGrowing',
      exp_alerts: [{
        exp_labels: { ...CONTAINER_LABELS('w1'), severity: 'warning' },
        exp_annotations: {
          summary: "A container's writable layer grows fast.",
          description: "The writable layer of container app of pod shop/web-1 on node n1 grows by 1.907MiB/s; it fills the node's image filesystem and gets the pod evicted.",
          runbook_url: `${DOC}#cricontainerwritablelayergrowing`,
        },
      }],
    }],
  },
];

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replaceAll(' ', '-');
}

describe('the chart\'s alerting rules', { skip: e2eSkip('alerting rules', ['helm', 'promtool']) }, () => {
  let dir: string;
  let groups: RuleGroup[];
  let rulesFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cri-exporter-rules-'));
    groups = await chartRuleGroups();
    rulesFile = join(dir, 'rules.yaml');
    await writeFile(rulesFile, stringify({ groups }));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('pass promtool check rules', async () => {
    const r = await run('promtool', ['check', 'rules', rulesFile]);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    const alerts = groups.flatMap((g) => g.rules).length;
    assert.match(r.stdout, new RegExp(`SUCCESS: ${alerts} rules found`));
  });

  it('each fire on their situation and on nothing else (promtool test rules)', async () => {
    const tested = new Set(UNIT_TESTS.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    for (const a of groups.flatMap((g) => g.rules)) assert.ok(tested.has(a.alert), `${a.alert} has a unit test`);
    const file = join(dir, 'rules.test.yaml');
    await writeFile(file, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests: UNIT_TESTS }));
    const r = await run('promtool', ['test', 'rules', file]);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  });

  it('honour the thresholds and disabledAlerts values', async () => {
    const tuned = await chartRuleGroups([
      'prometheusRule.thresholds.restarts=5', 'prometheusRule.thresholds.restartWindow=1h',
      'prometheusRule.thresholds.writableLayerGrowthBytesPerSecond=5000000', 'prometheusRule.disabledAlerts={CriExporterAbsent}',
      'prometheusRule.runbookBaseUrl=https://runbooks.example/cri-exporter.md',
    ]);
    const rules = tuned.flatMap((g) => g.rules);
    assert.ok(!rules.some((r) => r.alert === 'CriExporterAbsent'));
    assert.match(rules.find((r) => r.alert === 'CriContainerRestartingOften')?.expr ?? '', /offset 1h\)\n\) >= 5$/);
    assert.match(rules.find((r) => r.alert === 'CriContainerWritableLayerGrowing')?.expr ?? '', /> 5000000$/);
    assert.equal(rules[0]?.annotations?.runbook_url, 'https://runbooks.example/cri-exporter.md#criexporterdown');
  });

  it('link each alert to its section of docs/runbooks.md: meaning, impact, diagnosis, fix', async () => {
    const text = await readFile(RUNBOOKS, 'utf8');
    const sections = new Map<string, string>();
    for (const part of text.split(/^## /m).slice(1)) {
      const [heading = '', ...body] = part.split('\n');
      sections.set(slug(heading), body.join('\n'));
    }
    const alerts = groups.flatMap((g) => g.rules);
    for (const a of alerts) {
      const url = a.annotations?.runbook_url ?? '';
      assert.ok(url.startsWith(`${DOC}#`), `${a.alert} runbook_url ${url}`);
      const body = sections.get(url.slice(url.indexOf('#') + 1));
      assert.ok(body !== undefined, `${DOC} has a section for ${a.alert}`);
      for (const part of ['Meaning', 'Impact', 'Diagnosis', 'Fix']) assert.match(body, new RegExp(`^\\*\\*${part}\\.\\*\\*`, 'm'), `${a.alert}: ${part}`);
    }
    assert.deepEqual([...sections.keys()].sort(), alerts.map((a) => a.alert.toLowerCase()).sort(), 'one section per alert, none stale');
  });
});
