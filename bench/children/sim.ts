// Child process: the simulated CRI runtime, apart from the agent so that its
// CPU and memory are not counted as the agent's. It reports its socket, then
// churns pods when asked (for the soak) until it is told to stop.
import { startSimRuntime } from '../../src/sim/server.js';
import type { ProfileName } from '../../src/sim/profiles.js';
import { IndexedWorld } from '../lib/indexed-world.js';
import { childOptions, type Message } from '../lib/ipc.js';

interface Options {
  readonly pods: number;
  readonly containersPerPod: number;
  readonly profile: ProfileName;
}

const opts = childOptions<Options>();
const world = new IndexedWorld({ pods: opts.pods, containersPerPod: opts.containersPerPod, seed: 42 });
const sim = await startSimRuntime({ profile: opts.profile, world });
let churned = 0;

/** Removes the `n` oldest pods and adds `n` new ones, as a rollout would. */
function churn(n: number): void {
  for (const pod of world.pods().slice(0, n)) world.removePod(pod.id);
  for (let i = 0; i < n; i++) {
    const k = churned++;
    world.addPod({ name: `churn-${k}`, namespace: 'churn', labels: { app: 'churn', generation: String(k) } });
  }
}

process.on('message', (m: Message) => {
  if (m.type === 'churn') {
    churn(Number(m.pods));
    process.send?.({ type: 'churn:answer', id: m.id });
  } else if (m.type === 'calls') {
    process.send?.({ type: 'calls:answer', id: m.id, calls: Object.fromEntries(sim.calls) });
  }
});

// SIGTERM and the closing IPC channel usually both arrive: stop once, and exit only when the socket and its temp dir are gone.
let stopping: Promise<void> | undefined;
const stop = () => {
  stopping ??= sim.stop().finally(() => process.exit(0));
  return stopping;
};
process.once('SIGTERM', () => void stop());
process.once('disconnect', () => void stop());

process.send?.({ type: 'ready', socketPath: sim.socketPath, pods: world.pods().length, containers: world.containers().length });
