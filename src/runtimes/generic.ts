// Any CRI runtime: what verbose ContainerStatus info gives, nothing native.
import type { RuntimeAdapter } from './adapter.js';
import { enrichFromInfo } from './enrich.js';
import { writableLayerFromCri } from './writable-layer.js';

export function genericAdapter(type: string): RuntimeAdapter {
  return {
    type,
    enrich: async (detail) => enrichFromInfo(detail),
    writableLayerFromStats: (usage) => {
      const layer = writableLayerFromCri(type, usage);
      return layer.source === 'none' ? undefined : layer;
    },
    close: () => undefined,
  };
}
