// Encoded label pairs kept from one poll to the next. Each poll decodes every
// container afresh, so a cache keyed by the Container object lives for one
// poll only; this one is keyed by ID and checks that the labelled values are
// still the same, so a container's label bytes are built once in its life
// (or once per change), not once per poll.
//
// The bytes live as long as the container, so each gets memory of its own:
// Buffer.from would cut them from node's shared 8 KiB slabs, which the
// render fills with short-lived pieces, and one live container's labels
// would keep a whole slab alive. At 1000 containers with one pod replaced
// per poll, that grew the agent's buffers by ~11 KiB per rendered poll
// (6 to 11.5 MiB over 600 polls) where own memory holds them flat.

interface Entry {
  readonly values: readonly string[];
  readonly bytes: Buffer;
  round: number;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

const caches: LabelCache[] = [];
let round = 0;

/**
 * Starts a round (the renderer calls it once per snapshot it prepares) and
 * forgets what the last two rounds did not use: containers that are gone.
 */
export function newLabelRound(): void {
  round++;
  for (const c of caches) c.sweep(round - 2);
}

export class LabelCache {
  private readonly entries = new Map<string, Entry>();

  /** `build`: the label text (`a="x",…`) for the values. */
  constructor(private readonly build: (values: readonly string[]) => string) {
    caches.push(this);
  }

  bytes(key: string, values: readonly string[]): Buffer {
    let e = this.entries.get(key);
    if (e === undefined || !sameValues(e.values, values)) {
      e = { values, bytes: ownBytes(this.build(values)), round };
      this.entries.set(key, e);
    }
    e.round = round;
    return e.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  sweep(before: number): void {
    // forEach hands over key and entry without an [key, entry] pair per entry.
    this.entries.forEach((e, key) => {
      if (e.round < before) this.entries.delete(key);
    });
  }
}

/** `text` as UTF-8 in memory of its own (see the top of the file). */
function ownBytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}
