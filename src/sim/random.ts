// Seeded randomness for the simulated node. Every random choice in src/sim
// comes from a Random made here, so the same seed and the same sequence of
// calls give the same IDs and numbers.

/** A PRNG yielding floats in [0, 1). */
export type Random = () => number;

/** mulberry32: tiny, fast and good enough to make test data reproducible. */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomHex(rand: Random, chars: number): string {
  let out = '';
  while (out.length < chars) out += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, chars);
}

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const KUBE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function kubeSuffix(rand: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += KUBE_ALPHABET[Math.floor(rand() * KUBE_ALPHABET.length)];
  return out;
}

export function randomUuid(rand: Random): string {
  const h = randomHex(rand, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** FNV-1a: a seed derived from a string, for values that must not depend on call order. */
export function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
