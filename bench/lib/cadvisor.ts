// cAdvisor beside the agent, as the issue asks when the Go toolchain can
// build it: bench/cadvisor is a small main around cAdvisor's own library
// (the manager, its containerd and raw cgroup watchers, its Prometheus
// collector — what the kubelet embeds), built from cAdvisor's Go module with
// the machine's `go`. Not part of the product; nothing else needs Go.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startHttpProcess, type AgentProcess } from './agent-process.js';
import { BENCH_DIR, ROOT } from './build.js';

const execFileAsync = promisify(execFile);

/** cAdvisor's module version, as bench/cadvisor/go.mod requires it. */
export const CADVISOR_VERSION = 'v0.49.1';
const SOURCE = join(BENCH_DIR, 'cadvisor');
const BINARY = join(ROOT, 'dist', 'bench', 'cadvisor');

/** Builds bench/cadvisor; the binary's path, or why there is none. */
export async function buildCadvisor(): Promise<{ binary: string } | { reason: string }> {
  try {
    await execFileAsync('go', ['build', '-o', BINARY, '.'], { cwd: SOURCE, maxBuffer: 16 << 20, timeout: 600_000 });
    return { binary: BINARY };
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') return { reason: 'no Go toolchain (go) on PATH' };
    return { reason: `go build in bench/cadvisor failed: ${(e.stderr ?? e.message).split('\n').slice(0, 5).join(' ')}` };
  }
}

/**
 * Starts cAdvisor against containerd's socket, each container's stats read
 * every 10 s (the kubelet's housekeeping interval), and waits until its
 * /metrics lists a container of the `namespace` pods.
 */
export async function startCadvisor(binary: string, containerdSocket: string, namespace: string, readyTimeoutMs: number): Promise<AgentProcess> {
  const port = await freePort();
  const marker = `container_label_io_kubernetes_pod_namespace="${namespace}"`;
  const lists = async (url: string) => (await fetch(`${url}/metrics`).then((r) => r.text()).catch(() => '')).includes(marker);
  return startHttpProcess('cAdvisor', binary, ['-listen', `127.0.0.1:${port}`, '-containerd', containerdSocket, '-housekeeping', '10s'],
    process.env, port, lists, readyTimeoutMs);
}
