// cAdvisor beside the agent, as the issue asks when the Go toolchain can
// build it: bench/cadvisor is a small main around cAdvisor's own library
// (the manager, its containerd and raw cgroup watchers, its Prometheus
// collector — what the kubelet embeds), built from cAdvisor's Go module with
// the machine's `go`. Not part of the product; nothing else needs Go.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, type AgentProcess } from './agent-process.js';
import { BENCH_DIR, ROOT } from './build.js';
import { stopProcess, track } from './children.js';

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
 * Starts cAdvisor against containerd's socket, its stats read every
 * `housekeeping` (the kubelet's default is 10 s), and waits until its
 * /metrics lists a container of the `namespace` pods.
 */
export async function startCadvisor(binary: string, containerdSocket: string, namespace: string, readyTimeoutMs: number): Promise<AgentProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-containerd', containerdSocket, '-housekeeping', '10s'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error('cannot start cAdvisor');
  track(proc);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  proc.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  const cadvisor: AgentProcess = {
    pid: proc.pid,
    url,
    get: (path, headers = {}) => fetch(url + path, { headers }),
    stop: () => stopProcess(proc),
  };
  const deadline = Date.now() + readyTimeoutMs;
  const marker = `container_label_io_kubernetes_pod_namespace="${namespace}"`;
  for (;;) {
    const text = await fetch(`${url}/metrics`).then((r) => r.text()).catch(() => '');
    if (text.includes(marker)) return cadvisor;
    if (proc.exitCode !== null || Date.now() > deadline) {
      await cadvisor.stop();
      throw new Error(`cAdvisor lists no ${namespace} container within ${readyTimeoutMs} ms (exit ${proc.exitCode}):\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
