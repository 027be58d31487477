// What every rendering of the agent (deploy/ and its overlays, the chart with
// each ci/ values file) must guarantee, asserted field by field: a setting
// that is merely present in some other place, or misspelt, fails here.
import assert from 'node:assert/strict';
import { dirname, posix } from 'node:path';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { findObject, PACKAGE_VERSION, type K8sObject } from './render.js';

export interface Variant {
  /** Host path of the CRI socket. */
  readonly socket: string;
  /** Host path of the Docker Engine socket (docker runtime only). */
  readonly dockerSocket?: string;
  /** Whether the pod must run as a non-root user. */
  readonly nonRoot: boolean;
}

const HOST_MOUNTS: Readonly<Record<string, string>> = {
  '/proc': '/host/proc',
  '/sys/fs/cgroup': '/host/sys/fs/cgroup',
  '/var/log/pods': '/var/log/pods',
};

type PodSpec = NonNullable<NonNullable<IDaemonSet['spec']>['template']['spec']>;
type Container = PodSpec['containers'][number];

export function theDaemonSet(objects: readonly K8sObject[]): IDaemonSet {
  return findObject<IDaemonSet>(objects, 'DaemonSet');
}

function podSpec(ds: IDaemonSet): PodSpec {
  const spec = ds.spec?.template.spec;
  assert.ok(spec, 'DaemonSet has a pod template spec');
  return spec;
}

function agentContainer(ds: IDaemonSet): Container {
  const containers = podSpec(ds).containers;
  assert.equal(containers.length, 1, 'one container');
  return containers[0] as Container;
}

/** Schedules everywhere, first, and is rolled out a bounded number of nodes at a time. */
export function assertScheduling(ds: IDaemonSet): void {
  const spec = podSpec(ds);
  assert.equal(spec.priorityClassName, 'system-node-critical');
  assert.ok(
    (spec.tolerations ?? []).some((t) => t.operator === 'Exists' && t.key === undefined && t.effect === undefined),
    `a toleration {operator: Exists} without key or effect tolerates every taint; got ${JSON.stringify(spec.tolerations)}`,
  );
  assert.equal(ds.spec?.updateStrategy?.type, 'RollingUpdate');
  assert.notEqual(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, undefined, 'rollingUpdate.maxUnavailable is set');
  assert.equal(spec.hostNetwork ?? false, false, 'no host network');
  assert.equal(spec.hostPID ?? false, false, 'no host PID namespace');
  assert.equal(spec.hostIPC ?? false, false, 'no host IPC namespace');
}

export function assertSecurity(ds: IDaemonSet, variant: Variant): void {
  const pod = podSpec(ds).securityContext ?? {};
  const c = agentContainer(ds);
  const sc = c.securityContext ?? {};
  assert.equal(sc.readOnlyRootFilesystem, true, 'readOnlyRootFilesystem: true');
  assert.equal(sc.allowPrivilegeEscalation, false, 'allowPrivilegeEscalation: false');
  assert.notEqual(sc.privileged, true, 'not privileged');
  assert.deepEqual(sc.capabilities?.drop, ['ALL'], 'capabilities.drop: [ALL]');
  assert.equal(sc.capabilities?.add, undefined, 'no capability added');
  const seccomp = sc.seccompProfile ?? pod.seccompProfile;
  assert.equal(seccomp?.type, 'RuntimeDefault', 'seccompProfile RuntimeDefault');
  const runAsUser = sc.runAsUser ?? pod.runAsUser;
  if (variant.nonRoot) {
    assert.equal(sc.runAsNonRoot ?? pod.runAsNonRoot, true, 'runAsNonRoot: true');
    assert.ok(typeof runAsUser === 'number' && runAsUser !== 0, `a numeric non-root runAsUser, got ${runAsUser}`);
    // The socket is root:root 0660: group 0 is what lets a non-root user connect.
    assert.ok((pod.supplementalGroups ?? []).includes(0), 'supplementalGroups grant the socket\'s group (0)');
  } else {
    assert.equal(runAsUser, 0, 'runs as root where the socket\'s group is host-specific');
  }
}

/** Host paths: directories only, each mounted read-only, the socket's directory rather than the socket. */
export function assertHostMounts(ds: IDaemonSet, variant: Variant): void {
  const spec = podSpec(ds);
  const c = agentContainer(ds);
  const hostVolumes = new Map((spec.volumes ?? []).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath as { path: string; type?: string }]));
  const hostMounts = new Map<string, string>();
  for (const m of c.volumeMounts ?? []) {
    const hp = hostVolumes.get(m.name);
    if (hp === undefined) continue;
    assert.equal(m.readOnly, true, `hostPath ${hp.path} is mounted read-only at ${m.mountPath}`);
    assert.notEqual(m.mountPropagation, 'Bidirectional', `no bidirectional propagation for ${hp.path}`);
    hostMounts.set(hp.path, m.mountPath);
  }
  for (const [name, hp] of hostVolumes) {
    assert.equal(hp.type, 'Directory', `hostPath volume ${name} (${hp.path}) has type Directory`);
    assert.notEqual(hp.path, '/', 'the host root is never mounted');
    assert.ok(hostMounts.has(hp.path), `hostPath volume ${name} is mounted`);
  }
  for (const [host, inPod] of Object.entries(HOST_MOUNTS)) assert.equal(hostMounts.get(host), inPod, `${host} mounted at ${inPod}`);

  const args = c.args ?? [];
  assert.ok(args.includes('--host-cgroup-root=/host/sys/fs/cgroup'), 'agent told where the host cgroup fs is');
  assert.ok(args.includes('--host-proc=/host/proc'), 'agent told where the host /proc is');
  assertSocket(args, hostMounts, '--runtime-endpoint', variant.socket);
  if (variant.dockerSocket) assertSocket(args, hostMounts, '--docker-endpoint', variant.dockerSocket);
  else assert.ok(!args.some((a) => a.startsWith('--docker-endpoint')), 'no Docker endpoint for this runtime');
  const expected = new Set([...Object.keys(HOST_MOUNTS), dirname(variant.socket), ...(variant.dockerSocket ? [dirname(variant.dockerSocket)] : [])]);
  assert.deepEqual([...hostMounts.keys()].sort(), [...expected].sort(), 'no host path beyond the ones the agent needs');
}

/** The endpoint names the socket inside the pod's mount of the socket's host directory. */
function assertSocket(args: readonly string[], hostMounts: ReadonlyMap<string, string>, flag: string, socket: string): void {
  const arg = args.find((a) => a.startsWith(`${flag}=`));
  assert.ok(arg, `${flag} is set`);
  const mountPath = hostMounts.get(dirname(socket));
  assert.ok(mountPath, `the socket's directory ${dirname(socket)} is a read-only hostPath mount (not the socket file: its inode changes when the runtime restarts)`);
  assert.equal(arg, `${flag}=unix://${posix.join(mountPath, posix.basename(socket))}`);
}

export function assertContainer(ds: IDaemonSet): void {
  const c = agentContainer(ds);
  assert.ok(c.image?.endsWith(`:${PACKAGE_VERSION}`), `image tag is the package version ${PACKAGE_VERSION}: ${c.image}`);
  assert.ok(!c.image?.includes('/'), `image repository is the neutral placeholder, pushed to your own registry: ${c.image}`);
  const nodeName = (c.env ?? []).find((e) => e.name === 'NODE_NAME');
  assert.equal(nodeName?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName', 'NODE_NAME from the downward API');
  const port = (c.ports ?? []).find((p) => p.name === 'http');
  assert.equal(port?.containerPort, 9310);
  assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
  assert.equal(c.livenessProbe?.httpGet?.port, 'http');
  assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
  assert.equal(c.readinessProbe?.httpGet?.port, 'http');
  assert.deepEqual(c.resources, { requests: { cpu: '10m', memory: '96Mi' }, limits: { memory: '320Mi' } });
}

/** ServiceAccount → binding → role with exactly: get nodes; create tokenreviews and subjectaccessreviews. */
export function assertRbac(objects: readonly K8sObject[], ds: IDaemonSet): void {
  const sa = findObject<IServiceAccount>(objects, 'ServiceAccount');
  assert.equal(podSpec(ds).serviceAccountName, sa.metadata?.name);
  assert.notEqual(podSpec(ds).automountServiceAccountToken, false, 'the agent gets its token');
  const role = findObject<IClusterRole>(objects, 'ClusterRole');
  const binding = findObject<IClusterRoleBinding>(objects, 'ClusterRoleBinding');
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata?.name });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata?.name, namespace: sa.metadata?.namespace }]);
  const granted = (role.rules ?? []).flatMap((r) => (r.resources ?? []).flatMap((res) => (r.verbs ?? []).map((v) => `${(r.apiGroups ?? [''])[0]}/${res}:${v}`)));
  assert.deepEqual(granted.sort(), [
    '/nodes:get',
    'authentication.k8s.io/tokenreviews:create',
    'authorization.k8s.io/subjectaccessreviews:create',
  ]);
}

/** Headless Service selecting the agent's pods, and a monitor that scrapes them as the spec says. */
export function assertScraping(objects: readonly K8sObject[], ds: IDaemonSet): void {
  const svc = findObject<IService>(objects, 'Service');
  assert.equal(svc.spec?.clusterIP, 'None', 'headless Service');
  assert.equal(svc.spec?.publishNotReadyAddresses, true, 'an unready agent (runtime down) is still scraped');
  const podLabels = ds.spec?.template.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(svc.spec?.selector ?? {})) assert.equal(podLabels[k], v, `Service selector ${k}=${v} matches the pods`);
  for (const [k, v] of Object.entries(ds.spec?.selector.matchLabels ?? {})) assert.equal(podLabels[k], v, `DaemonSet selector ${k}=${v} matches its pods`);
  const svcPort = svc.spec?.ports?.[0];
  assert.equal(svcPort?.targetPort, 'http');
  const monitors = objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor');
  for (const m of monitors) assertMonitor(m, svc, podLabels);
}

interface MonitorEndpoint {
  port?: string;
  path?: string;
  honorLabels?: boolean;
  relabelings?: { sourceLabels?: string[]; targetLabel?: string; action?: string }[];
}

function assertMonitor(m: K8sObject, svc: IService, podLabels: Record<string, string>): void {
  const spec = m.spec as { jobLabel?: string; selector: { matchLabels?: Record<string, string> }; endpoints?: MonitorEndpoint[]; podMetricsEndpoints?: MonitorEndpoint[] };
  const isService = m.kind === 'ServiceMonitor';
  const endpoints = (isService ? spec.endpoints : spec.podMetricsEndpoints) ?? [];
  assert.equal(endpoints.length, 1, `${m.kind} has one endpoint`);
  const ep = endpoints[0] as MonitorEndpoint;
  assert.equal(ep.honorLabels, true, `${m.kind} honorLabels: true`);
  assert.equal(ep.path, '/metrics');
  assert.equal(ep.port, isService ? svc.spec?.ports?.[0]?.name : 'http');
  const node = (ep.relabelings ?? []).find((r) => r.targetLabel === 'node');
  assert.deepEqual(node?.sourceLabels, ['__meta_kubernetes_pod_node_name'], `${m.kind} relabels the pod's node name to node`);
  assert.ok(node?.action === undefined || node.action === 'replace');
  const targetLabels = isService ? svc.metadata?.labels ?? {} : podLabels;
  for (const [k, v] of Object.entries(spec.selector.matchLabels ?? {})) assert.equal(targetLabels[k], v, `${m.kind} selector ${k}=${v}`);
  assert.equal(targetLabels[spec.jobLabel ?? ''], 'cri-exporter', `${m.kind} jobLabel gives job="cri-exporter"`);
}

/** Everything above, for one rendering. */
export function assertNodeAgent(objects: readonly K8sObject[], variant: Variant): void {
  const ds = theDaemonSet(objects);
  assertScheduling(ds);
  assertSecurity(ds, variant);
  assertHostMounts(ds, variant);
  assertContainer(ds);
  assertRbac(objects, ds);
  assertScraping(objects, ds);
}
