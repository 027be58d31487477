// Simulated images. An image's IDs, size and user are drawn from a PRNG seeded
// by its name, not from the World's, so they depend on the name only and not on
// the order in which containers first use it.
import { createRandom, hashOf, randomHex } from './random.js';
import type { SimImage } from './types.js';

export const PAUSE_IMAGE = 'localhost/k8s/pause:3.9';

export function createImage(name: string, pinned = false): SimImage {
  const colon = name.lastIndexOf(':');
  const rand = createRandom(hashOf(name));
  return {
    name, repo: colon > 0 ? name.slice(0, colon) : name, tag: colon > 0 ? name.slice(colon + 1) : 'latest',
    id: randomHex(rand, 64), digest: randomHex(rand, 64),
    sizeBytes: pinned ? 321_520 : Math.floor(5e6 + rand() * 250e6), user: rand() < 0.3 ? '65532' : '', pinned,
  };
}
