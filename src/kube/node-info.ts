// Reads this node's Node object for status.nodeInfo.containerRuntimeVersion,
// at start and then now and then: it changes only when the runtime is
// upgraded, and the agent must not load the API server.
import type { KubeApis } from './client.js';

export interface NodeInfoLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Throws KubeApiError when the API does not answer. */
export async function readContainerRuntimeVersion(apis: KubeApis, nodeName: string): Promise<string> {
  const node = await apis.readNode(nodeName);
  return node.status?.nodeInfo?.containerRuntimeVersion ?? '';
}

export class NodeRuntimeWatch {
  private current: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly apis: KubeApis,
    private readonly nodeName: string,
    private readonly logger: NodeInfoLogger,
    private readonly refreshMs = 300_000,
  ) {}

  /** The last value read; undefined until the API has answered once. */
  get containerRuntimeVersion(): string | undefined {
    return this.current;
  }

  /** Reads once now (not awaited by callers that must not wait for the API) and then every refreshMs. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      this.current = await readContainerRuntimeVersion(this.apis, this.nodeName);
      if (this.failing) this.logger.info({ node: this.nodeName }, 'Node object readable again');
      this.failing = false;
    } catch (err) {
      // One warning per outage; the last value read stays in use.
      if (!this.failing) this.logger.warn({ err: (err as Error).message }, 'cannot read the Node object; runtime cross-check unavailable');
      this.failing = true;
    }
  }
}
