// The product's --demo mode: a simulated runtime with a node's worth of
// plausible pods (system add-ons, monitoring, a small shop), named the way
// their controllers name them, whose CPU and memory move over time. Images are
// registry-less (`localhost/...`) so nothing here points at a real registry.
import type { ProfileName } from './profiles.js';
import { startSimRuntime, type SimRuntime } from './server.js';
import { createRandom, kubeSuffix, World, type ContainerSpec, type PodSpec, type QosClass, type Random } from './world.js';

export interface DemoOptions {
  readonly pods: number;
  readonly profile?: ProfileName;
  readonly seed?: number;
  readonly socketPath?: string;
  readonly now?: () => number;
  readonly logRoot?: string;
}

type Kind = 'deployment' | 'daemonset' | 'statefulset';

interface Workload {
  readonly namespace: string;
  readonly app: string;
  readonly kind: Kind;
  readonly qos: QosClass;
  /** Main container, then its sidecar: [name, image, cores, MiB]. */
  readonly main: readonly [string, string, number, number];
  readonly sidecar: readonly [string, string, number, number];
}

const w = (namespace: string, app: string, kind: Kind, qos: QosClass, main: Workload['main'], sidecar: Workload['sidecar']): Workload => ({
  namespace, app, kind, qos, main, sidecar,
});

const RELOADER: Workload['sidecar'] = ['config-reloader', 'localhost/demo/config-reloader:0.68', 0.002, 12];
const PROXY: Workload['sidecar'] = ['envoy', 'localhost/demo/envoy:1.27', 0.02, 48];

/** Roughly in the order a node fills up: add-ons first, then monitoring, then applications. */
const CATALOG: readonly Workload[] = [
  w('kube-system', 'coredns', 'deployment', 'burstable', ['coredns', 'localhost/demo/coredns:1.10.1', 0.006, 22], ['health-probe', 'localhost/demo/probe:1.4', 0.001, 6]),
  w('kube-system', 'kube-proxy', 'daemonset', 'besteffort', ['kube-proxy', 'localhost/demo/kube-proxy:1.28.4', 0.004, 28], ['conntrack-exporter', 'localhost/demo/conntrack-exporter:0.3', 0.001, 9]),
  w('shop', 'frontend', 'deployment', 'burstable', ['frontend', 'localhost/demo/shop-frontend:2.4.1', 0.08, 96], PROXY),
  w('monitoring', 'prometheus-k8s', 'statefulset', 'burstable', ['prometheus', 'localhost/demo/prometheus:2.48.0', 0.25, 900], RELOADER),
  w('shop', 'cart', 'deployment', 'burstable', ['cart', 'localhost/demo/shop-cart:1.9.0', 0.05, 140], PROXY),
  w('kube-system', 'metrics-server', 'deployment', 'burstable', ['metrics-server', 'localhost/demo/metrics-server:0.6.4', 0.01, 30], ['addon-resizer', 'localhost/demo/addon-resizer:1.8', 0.001, 8]),
  w('shop', 'checkout', 'deployment', 'burstable', ['checkout', 'localhost/demo/shop-checkout:3.0.2', 0.04, 120], PROXY),
  w('monitoring', 'node-exporter', 'daemonset', 'burstable', ['node-exporter', 'localhost/demo/node-exporter:1.7.0', 0.015, 18], ['kube-rbac-proxy', 'localhost/demo/kube-rbac-proxy:0.15', 0.002, 14]),
  w('shop', 'redis', 'statefulset', 'guaranteed', ['redis', 'localhost/demo/redis:7.2', 0.03, 210], ['redis-exporter', 'localhost/demo/redis-exporter:1.55', 0.004, 16]),
  w('monitoring', 'grafana', 'deployment', 'burstable', ['grafana', 'localhost/demo/grafana:10.2.2', 0.02, 160], ['dashboard-sidecar', 'localhost/demo/k8s-sidecar:1.25', 0.003, 40]),
  w('shop', 'payment', 'deployment', 'burstable', ['payment', 'localhost/demo/shop-payment:1.3.7', 0.03, 110], PROXY),
  w('default', 'hello-web', 'deployment', 'besteffort', ['hello-web', 'localhost/demo/web:1.0', 0.002, 10], ['log-shipper', 'localhost/demo/log-shipper:2.1', 0.003, 24]),
  w('monitoring', 'alertmanager-main', 'statefulset', 'burstable', ['alertmanager', 'localhost/demo/alertmanager:0.26', 0.004, 40], RELOADER),
  w('shop', 'postgres', 'statefulset', 'guaranteed', ['postgres', 'localhost/demo/postgres:16.1', 0.12, 600], ['postgres-exporter', 'localhost/demo/postgres-exporter:0.15', 0.005, 20]),
  w('shop', 'catalog', 'deployment', 'burstable', ['catalog', 'localhost/demo/shop-catalog:2.0.0', 0.06, 180], PROXY),
];

/** Name and labels as the pod's controller would give them (replica counts from 0). */
function podIdentity(wl: Workload, replica: number, templateHash: string, rand: Random): Pick<PodSpec, 'name' | 'labels'> {
  switch (wl.kind) {
    case 'deployment':
      return { name: `${wl.app}-${templateHash}-${kubeSuffix(rand, 5)}`, labels: { app: wl.app, 'pod-template-hash': templateHash } };
    case 'daemonset':
      return { name: `${wl.app}-${kubeSuffix(rand, 5)}`, labels: { app: wl.app, 'controller-revision-hash': templateHash, 'pod-template-generation': '1' } };
    case 'statefulset': {
      const name = `${wl.app}-${replica}`;
      return { name, labels: { app: wl.app, 'controller-revision-hash': `${wl.app}-${templateHash}`, 'statefulset.kubernetes.io/pod-name': name } };
    }
  }
}

function container([name, image, cores, mib]: Workload['main'], rand: Random): ContainerSpec {
  // ±30 % per pod, so that replicas of one workload do not move in lockstep.
  const jitter = () => 0.7 + rand() * 0.6;
  return { name, image, cpuCores: cores * jitter(), memoryBytes: mib * 2 ** 20 * jitter() };
}

/** Pod specs for `count` pods: the catalog in order, then more replicas (a DaemonSet has one pod per node). */
export function demoPods(count: number, seed = 1): PodSpec[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`demo: pods must be a non-negative integer, got ${count}`);
  const rand = createRandom(seed ^ 0x5eed);
  const hashes = CATALOG.map((wl) => kubeSuffix(rand, wl.kind === 'deployment' ? 10 : 9));
  const specs: PodSpec[] = [];
  for (let replica = 0; specs.length < count; replica++) {
    CATALOG.forEach((wl, i) => {
      if (specs.length >= count || (wl.kind === 'daemonset' && replica > 0)) return;
      specs.push({
        ...podIdentity(wl, replica, hashes[i] ?? 'x', rand),
        namespace: wl.namespace, qos: wl.qos,
        // Add-ons have been up since the node booted; applications were rolled out later.
        ageSeconds: wl.namespace === 'kube-system' ? 86_400 * 3 : 600 + Math.floor(rand() * 86_400),
        containers: [container(wl.main, rand), container(wl.sidecar, rand)],
      });
    });
  }
  return specs;
}

export function demoWorld(opts: DemoOptions): World {
  const world = new World({ pods: 0, seed: opts.seed ?? 1, now: opts.now, logRoot: opts.logRoot });
  for (const spec of demoPods(opts.pods, opts.seed ?? 1)) world.addPod(spec);
  return world;
}

/** The simulated runtime behind `--demo`; stop() it on shutdown. */
export async function startDemo(opts: DemoOptions): Promise<SimRuntime> {
  return startSimRuntime({ profile: opts.profile ?? 'containerd', world: demoWorld(opts), socketPath: opts.socketPath });
}
