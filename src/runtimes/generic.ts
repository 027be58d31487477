// Any CRI runtime: what verbose ContainerStatus info gives, nothing native.
// Stats' writable-layer mountpoint is not used here: runtimes fill it with
// anything from the container's own mount to a root shared by every
// container, so without knowing the runtime it names nothing reliably.
import type { RuntimeAdapter } from './adapter.js';
import { enrichFromInfo } from './enrich.js';

export function genericAdapter(type: string): RuntimeAdapter {
  return {
    type,
    enrich: async (detail) => enrichFromInfo(detail),
    writableLayerFromStats: () => undefined,
    close: () => undefined,
  };
}
