// The node most end-to-end suites stand up: a private containerd, a CRI
// client to it, pods run through it and the agent under test. stop() takes
// down whatever was started, in reverse order, so a suite's after() is one line.
import { startAgent, type Agent } from './agent.js';
import { startContainerd, type Containerd, type StartOptions } from './containerd.js';
import { connectRuntime, runPod, type PodSpec, type RunningPod, type RuntimeClient } from './pods.js';

export interface TestNode {
  readonly cd: Containerd;
  readonly cri: RuntimeClient;
  /** runPod() with this containerd's log directory. */
  runPod(spec: Omit<PodSpec, 'logDir'>): Promise<RunningPod>;
  /** Starts the agent against this containerd (`--runtime-endpoint` is added); stop() stops it. */
  startAgent(args?: readonly string[]): Promise<Agent>;
  stop(): Promise<void>;
}

export async function startTestNode(opts: StartOptions = {}): Promise<TestNode> {
  const cd = await startContainerd(opts);
  const cri = connectRuntime(cd.endpoint);
  const agents: Agent[] = [];
  return {
    cd,
    cri,
    runPod: (spec) => runPod(cri, { ...spec, logDir: cd.logDir }),
    async startAgent(args = []) {
      const agent = await startAgent(['--runtime-endpoint', cd.endpoint, ...args]);
      agents.push(agent);
      return agent;
    },
    async stop() {
      for (const agent of agents.reverse()) await agent.stop();
      cri.close();
      await cd.stop();
    },
  };
}
