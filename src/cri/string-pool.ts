// Strings that come back answer after answer — a container's ID, its
// writable layer's mount point — handed over as the string made for an
// earlier answer instead of a new one. A stats answer repeats every ID of
// the node each poll, and the snapshot keeps what it decodes until the next
// poll, so each new copy would outlive the young generation, be copied and
// promoted, and die a poll later. Only ASCII is pooled (a byte is a
// character, so a kept string is compared with the bytes in place); the
// reader decodes any other string as usual. The pool never changes a value,
// only whether an equal string is a new one.

/** A string is kept for this many answers after the last one that had it. */
const KEEP_ANSWERS = 4;

interface Pooled {
  readonly value: string;
  readonly hash: number;
  seen: number;
  /** The next string of the same hash. */
  next: Pooled | undefined;
}

export class StringPool {
  private readonly byHash = new Map<number, Pooled>();
  private answer = 0;
  private count = 0;

  /** Starts an answer. */
  begin(): void {
    this.answer++;
  }

  /** Ends an answer: strings no answer had in the last few are let go. */
  done(): void {
    const oldest = this.answer - KEEP_ANSWERS;
    // values(): entries() would make a [key, value] pair per chain.
    for (const head of this.byHash.values()) {
      let first: Pooled | undefined = head;
      while (first !== undefined && first.seen < oldest) first = this.drop(first);
      for (let p = first; p?.next !== undefined;) {
        if (p.next.seen < oldest) p.next = this.drop(p.next);
        else p = p.next;
      }
      if (first === undefined) this.byHash.delete(head.hash);
      else if (first !== head) this.byHash.set(head.hash, first);
    }
  }

  /** How many strings are kept. */
  get size(): number {
    return this.count;
  }

  /**
   * The string of bytes [start, end): the kept one when an earlier answer had
   * the same bytes, otherwise `decode`'s, which is kept when it is ASCII.
   */
  intern<B extends Uint8Array>(bytes: B, start: number, end: number, decode: (bytes: B, start: number, end: number) => string): string {
    const hash = asciiHash(bytes, start, end);
    if (hash < 0) return decode(bytes, start, end);
    const head = this.byHash.get(hash);
    for (let p = head; p !== undefined; p = p.next) {
      if (sameAscii(p.value, bytes, start, end)) {
        p.seen = this.answer;
        return p.value;
      }
    }
    const value = decode(bytes, start, end);
    this.byHash.set(hash, { value, hash, seen: this.answer, next: head });
    this.count++;
    return value;
  }

  private drop(p: Pooled): Pooled | undefined {
    this.count--;
    return p.next;
  }
}

/** FNV-1a over the bytes and their length, as an unsigned 32-bit number; -1 when a byte is not ASCII. */
export function asciiHash(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b >= 0x80) return -1;
    hash = Math.imul(hash ^ b, 0x01000193);
  }
  return hash >>> 0;
}

function sameAscii(value: string, bytes: Uint8Array, start: number, end: number): boolean {
  if (value.length !== end - start) return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}
