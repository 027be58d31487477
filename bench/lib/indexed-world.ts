// The simulated World with a per-pod index of containers. World.containersOf
// scans every container, and the simulated runtime calls it once or twice per
// pod for ListPodSandboxStats: quadratic, about a second at 5000 containers.
// A real runtime answers in linear time, so the bench indexes it; the agent
// under test sees the same answers, only sooner.
import { World, type SimContainer } from '../../src/sim/world.js';

export class IndexedWorld extends World {
  // No initialiser: World's constructor adds pods (through the overrides below) before fields are set.
  private byPod: Map<string, SimContainer[]> | undefined;

  override containersOf(podId: string): SimContainer[] {
    if (this.byPod === undefined) {
      const index = new Map<string, SimContainer[]>();
      for (const c of this.containers()) {
        const list = index.get(c.podId);
        if (list) list.push(c);
        else index.set(c.podId, [c]);
      }
      this.byPod = index;
    }
    return [...(this.byPod.get(podId) ?? [])];
  }

  override addContainer(...args: Parameters<World['addContainer']>): SimContainer {
    this.byPod = undefined;
    return super.addContainer(...args);
  }

  override removePod(id: string): void {
    super.removePod(id);
    this.byPod = undefined;
  }

  override removeContainer(id: string): void {
    super.removeContainer(id);
    this.byPod = undefined;
  }
}
