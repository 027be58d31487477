// deploy/ (kustomize) and helm/cri-exporter rendered by the real tools:
// every object validates against the Kubernetes API and Prometheus Operator
// schemas, and the node agent's security settings hold in every variant.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { e2eSkip } from '../e2e/harness/preconditions.js';
import { validateAgainstApiSchema } from './api-schemas.js';
import { assertKnownFields, type Rendering } from './known-fields.js';
import { assertNodeAgent, theDaemonSet, type Variant } from './node-agent-checks.js';
import {
  CHART_DIR, DEPLOY_DIR, findObject, helmLint, helmTemplate, helmTemplateRaw, kustomizeBuild, PACKAGE_VERSION, type K8sObject,
} from './render.js';

const CONTAINERD: Variant = { socket: '/run/containerd/containerd.sock', nonRoot: true };
const CRIO: Variant = { socket: '/run/crio/crio.sock', nonRoot: true };
const DOCKER: Variant = { socket: '/run/cri-dockerd.sock', dockerSocket: '/run/docker.sock', nonRoot: false };

const KUSTOMIZATIONS: readonly { dir: string; variant: Variant; kinds: string[] }[] = [
  { dir: '', variant: CONTAINERD, kinds: ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'DaemonSet', 'ServiceMonitor'] },
  { dir: 'overlays/cri-o', variant: CRIO, kinds: ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'DaemonSet', 'ServiceMonitor'] },
  { dir: 'overlays/docker', variant: DOCKER, kinds: ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'DaemonSet', 'ServiceMonitor'] },
  { dir: 'overlays/without-prometheus-operator', variant: CONTAINERD, kinds: ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'DaemonSet'] },
];

const CHART_VALUES: readonly { file?: string; variant: Variant; kinds: string[] }[] = [
  { variant: CONTAINERD, kinds: ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'DaemonSet'] },
  { file: 'ci/containerd-values.yaml', variant: CONTAINERD, kinds: ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'DaemonSet', 'ServiceMonitor', 'PrometheusRule', 'ConfigMap'] },
  { file: 'ci/cri-o-values.yaml', variant: CRIO, kinds: ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'DaemonSet', 'PodMonitor', 'PrometheusRule'] },
  { file: 'ci/docker-values.yaml', variant: DOCKER, kinds: ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'DaemonSet', 'ServiceMonitor'] },
];

function kinds(objects: readonly K8sObject[]): string[] {
  return objects.map((o) => o.kind).sort();
}

function assertSchemas(objects: readonly K8sObject[]): void {
  for (const o of objects) validateAgainstApiSchema(o);
}

describe('deploy/ rendered by kustomize', { skip: e2eSkip('kustomize manifests', ['kustomize']) }, () => {
  for (const k of KUSTOMIZATIONS) {
    describe(`kustomize build deploy/${k.dir}`, () => {
      let objects: K8sObject[];
      before(async () => {
        objects = await kustomizeBuild(join(DEPLOY_DIR, k.dir));
      });

      it('renders exactly the expected objects, all in the cri-exporter namespace', () => {
        assert.deepEqual(kinds(objects), [...k.kinds].sort());
        for (const o of objects) {
          if (['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)) continue;
          assert.equal(o.metadata.namespace, 'cri-exporter', `${o.kind} ${o.metadata.name} namespace`);
        }
      });

      it('validates against the Kubernetes API schemas', () => assertSchemas(objects));

      it('keeps the node agent\'s security, mounts, probes and RBAC', () => assertNodeAgent(objects, k.variant));

      it('admits hostPath pods in its namespace (Pod Security "privileged")', () => {
        const ns = findObject(objects, 'Namespace');
        assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
      });
    });
  }
});

describe('helm/cri-exporter rendered by helm', { skip: e2eSkip('helm chart', ['helm']) }, () => {
  it('covers every ci/*-values.yaml', async () => {
    const files = (await readdir(join(CHART_DIR, 'ci'))).filter((f) => f.endsWith('-values.yaml')).map((f) => `ci/${f}`);
    assert.deepEqual(files.sort(), CHART_VALUES.flatMap((v) => (v.file ? [v.file] : [])).sort());
  });

  it('lints cleanly with the default values and every ci/*-values.yaml', async () => {
    for (const v of CHART_VALUES) {
      const r = await helmLint({ valuesFiles: v.file ? [join(CHART_DIR, v.file)] : [] });
      assert.equal(r.code, 0, `helm lint ${v.file ?? '(defaults)'}:\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  for (const v of CHART_VALUES) {
    describe(`helm template with ${v.file ?? 'the default values'}`, () => {
      let objects: K8sObject[];
      before(async () => {
        objects = await helmTemplate({ valuesFiles: v.file ? [join(CHART_DIR, v.file)] : [] });
      });

      it('renders exactly the expected objects (optional ones only when enabled)', () => {
        assert.deepEqual(kinds(objects), [...v.kinds].sort());
      });

      it('validates against the Kubernetes API and Prometheus Operator schemas', () => assertSchemas(objects));

      it('keeps the node agent\'s security, mounts, probes and RBAC', () => assertNodeAgent(objects, v.variant));

      it('names and labels every object from _helpers.tpl', () => {
        for (const o of objects) {
          assert.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'cri-exporter', `${o.kind} name label`);
          assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'cri-exporter', `${o.kind} instance label`);
          assert.equal(o.metadata.labels?.['app.kubernetes.io/version'], PACKAGE_VERSION, `${o.kind} version label`);
          assert.match(o.metadata.name, /^cri-exporter(-|$)/, `${o.kind} name from the fullname helper`);
          if (!['ClusterRole', 'ClusterRoleBinding'].includes(o.kind)) assert.equal(o.metadata.namespace, 'monitoring');
        }
      });
    });
  }

  it('delivers the Grafana dashboard as a ConfigMap labelled grafana_dashboard="1", byte for byte', async () => {
    const objects = await helmTemplate({ set: ['dashboards.enabled=true'] });
    const cm = findObject<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap');
    assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
    const raw = await readFile(join(CHART_DIR, 'dashboards', 'cri-exporter-overview.json'), 'utf8');
    assert.equal(cm.data['cri-exporter-overview.json'], raw.trimEnd());
  });

  it('mounts the Docker socket\'s directory once when both sockets share it', async () => {
    const objects = await helmTemplate({ valuesFiles: [join(CHART_DIR, 'ci/docker-values.yaml')] });
    const volumes = theDaemonSet(objects).spec?.template.spec?.volumes ?? [];
    assert.deepEqual(volumes.filter((v) => v.hostPath?.path === '/run').length, 1);
  });

  it('serves HTTPS with probes and monitor switched to it when tls.enabled', async () => {
    const objects = await helmTemplate({ set: ['tls.enabled=true', 'tls.secretName=agent-tls', 'prometheus.monitor.enabled=true', 'prometheus.monitor.scheme=https'] });
    const ds = theDaemonSet(objects);
    const c = ds.spec?.template.spec?.containers[0];
    assert.ok(c?.args?.includes('--tls-cert-file=/etc/cri-exporter/tls/tls.crt'));
    assert.equal(c?.livenessProbe?.httpGet?.scheme, 'HTTPS');
    assert.equal(c?.readinessProbe?.httpGet?.scheme, 'HTTPS');
    assert.equal(ds.spec?.template.spec?.volumes?.find((v) => v.name === 'tls')?.secret?.secretName, 'agent-tls');
    assertSchemas(objects);
  });
});

describe('values.schema.json rejects bad values with a clear message', { skip: e2eSkip('helm chart schema', ['helm']) }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cri-exporter-values-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // [what is wrong, values file content, the message helm must print]
  const CASES: readonly [string, string, string][] = [
    ['an unknown pull policy', 'image:\n  pullPolicy: Sometimes\n', "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'"],
    ['a numeric image tag', 'image:\n  tag: 1.0\n', "at '/image/tag': got number, want string"],
    ['a misspelt top-level key', 'tolerationss: []\n', "at '': additional properties 'tolerationss' not allowed"],
    ['a relative socket path', 'runtime:\n  socket: run/containerd/containerd.sock\n', "at '/runtime/socket': 'run/containerd/containerd.sock' does not match pattern '^/'"],
    ['an extra argument that is not a flag', 'extraArgs:\n  - poll-interval=5s\n', "at '/extraArgs/0': 'poll-interval=5s' does not match pattern"],
    ['a ratio above 1', 'prometheusRule:\n  thresholds:\n    memoryNearLimitRatio: 1.5\n', "at '/prometheusRule/thresholds/memoryNearLimitRatio': maximum: got 1.5, want 1"],
    ['an unknown alert to disable', 'prometheusRule:\n  disabledAlerts: [CriNope]\n', "at '/prometheusRule/disabledAlerts/0': value must be one of 'CriExporterDown'"],
    ['a scrape interval without unit', 'prometheus:\n  monitor:\n    interval: 30\n', "at '/prometheus/monitor/interval': got number, want string"],
    ['TLS without its Secret', 'tls:\n  enabled: true\n', "at '/tls/secretName': minLength: got 0, want 1"],
  ];

  for (const [what, values, message] of CASES) {
    it(`${what}: helm template and helm lint fail with "${message}"`, async () => {
      const file = join(dir, `${what.replaceAll(/\W+/g, '-')}.yaml`);
      await writeFile(file, values);
      assert.doesNotThrow(() => parse(values), 'the case itself is valid YAML');
      const t = await helmTemplateRaw({ valuesFiles: [file] });
      assert.notEqual(t.code, 0, `helm template accepted ${what}`);
      assert.ok(t.stderr.includes(message), `helm template's message:\n${t.stderr}\nexpected to contain:\n${message}`);
      const l = await helmLint({ valuesFiles: [file] });
      assert.notEqual(l.code, 0, `helm lint accepted ${what}`);
      assert.ok(`${l.stdout}${l.stderr}`.includes(message), `helm lint's message:\n${l.stdout}${l.stderr}`);
    });
  }

  // Not expressible as a readable schema rule, so the template fails instead.
  // helm lint reports a template's fail() only as [INFO]: install and
  // template are what refuse it.
  it('a socket directly in /: helm template fails saying why and what to give instead', async () => {
    const file = join(dir, 'socket-in-root.yaml');
    await writeFile(file, 'runtime:\n  socket: /containerd.sock\n');
    const t = await helmTemplateRaw({ valuesFiles: [file] });
    assert.notEqual(t.code, 0);
    assert.ok(t.stderr.includes('runtime: socket /containerd.sock lies directly in /; its directory is mounted into the pod, and / cannot be'), t.stderr);
    const l = await helmLint({ valuesFiles: [file] });
    assert.ok(`${l.stdout}${l.stderr}`.includes('lies directly in /'), 'helm lint shows it too');
  });
});

describe('every rendered field is one the Kubernetes API knows', {
  skip: e2eSkip('known fields', ['kustomize', 'helm']),
}, () => {
  it('holds for deploy/, its overlays, and the chart with every ci/ values file and every optional object', async () => {
    const renderings: Rendering[] = [];
    for (const k of KUSTOMIZATIONS) renderings.push({ name: `deploy/${k.dir}`, objects: await kustomizeBuild(join(DEPLOY_DIR, k.dir)) });
    for (const v of CHART_VALUES) renderings.push({ name: `helm ${v.file ?? 'defaults'}`, objects: await helmTemplate({ valuesFiles: v.file ? [join(CHART_DIR, v.file)] : [] }) });
    renderings.push({
      name: 'helm, everything on',
      objects: await helmTemplate({ set: ['prometheus.podMonitor.enabled=true', 'tls.enabled=true', 'tls.secretName=t', 'dashboards.enabled=true', 'prometheusRule.enabled=true', 'prometheus.monitor.enabled=true'] }),
    });
    await assertKnownFields(renderings);
  });
});
