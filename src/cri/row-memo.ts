// Rows of a list answer kept from one answer to the next with their bytes.
// ListContainers and ListPodSandbox answer the same rows poll after poll,
// byte for byte; a row whose bytes are unchanged decodes to the same value,
// so it is taken from the last answer instead of decoded again. That saves
// building its strings and labels (most of decoding these answers), and
// every stage after the client sees an unchanged container as the very
// same objects.
import { FIELDS } from './wire-fields.js';
import { LEN, tagOf, type WireReader } from './wire-reader.js';

interface Kept<T> {
  /** A copy: the answer's buffer is not held, only the rows' own bytes. */
  readonly bytes: Buffer;
  readonly row: T;
  /** The last answer that listed it. */
  answer: number;
}

// Container, PodSandbox (and their stats' attributes) all number their id 1.
const ID = tagOf(FIELDS.Container.id, LEN);

export class RowMemo<T extends { readonly id: string }> {
  // One map for every answer: a row listed again is only marked, so an
  // unchanged answer of 1000 rows writes nothing to it.
  private readonly kept = new Map<string, Kept<T>>();
  private answer = 0;

  /**
   * The row between the reader's position and `end`: the kept one when its
   * bytes are the same, else `decode`'s (then kept for the next answer).
   */
  row(r: WireReader, end: number, decode: (r: WireReader, end: number) => T): T {
    const start = r.pos;
    const id = peekId(r, end);
    const kept = id === '' ? undefined : this.kept.get(id);
    if (kept !== undefined && kept.bytes.length === end - start && kept.bytes.compare(r.bytes, start, end) === 0) {
      r.pos = end;
      kept.answer = this.answer;
      return kept.row;
    }
    r.pos = start;
    const row = decode(r, end);
    if (row.id !== '') this.kept.set(row.id, { bytes: copyOf(r.bytes, start, end), row, answer: this.answer });
    return row;
  }

  /** Starts an answer. */
  begin(): void {
    this.answer++;
  }

  /** Ends an answer: rows it did not list are forgotten (and so are those of an answer that failed half-way). */
  done(): void {
    // values(): entries() would make a [key, value] pair per row.
    for (const k of this.kept.values()) if (k.answer !== this.answer) this.kept.delete(k.row.id);
  }

  get size(): number {
    return this.kept.size;
  }
}

/**
 * A row's bytes in memory of their own. Buffer.from would cut small copies
 * from shared 8 KiB slabs, and one long-lived row would keep its whole slab
 * (and the rows of departed containers in it) alive.
 */
function copyOf(bytes: Buffer, start: number, end: number): Buffer {
  const copy = Buffer.allocUnsafeSlow(end - start);
  bytes.copy(copy, 0, start, end);
  return copy;
}

/**
 * The row's id as the decoders would read it (the last id field wins),
 * stepping over every other field. Any trouble yields '' and leaves the
 * decoder to read the row and say what is wrong with it.
 */
function peekId(r: WireReader, end: number): string {
  let id = '';
  try {
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === ID) id = r.string();
      else r.skip(tag, 0);
    }
  } catch {
    return '';
  }
  return r.pos === end ? id : '';
}
