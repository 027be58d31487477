// Exposition lines written straight into bytes: a family's sample lines are
// copied from cached label Buffers and digits written in place, with no
// string per line. At 1000 containers one snapshot is ~40,000 lines.
import { formatValue } from './exposition.js';

const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * A growable byte buffer, reused from one family to the next; take() copies
 * out what was written. Label text is written as given (already escaped).
 */
export class LineBuffer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  text(s: string): void {
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  /** The value as formatValue() spells it; integers (the common case) without an intermediate string. */
  value(v: number): void {
    if (!Number.isSafeInteger(v)) {
      this.ascii(formatValue(v));
      return;
    }
    this.reserve(17);
    if (v < 0) {
      this.buf[this.pos++] = MINUS;
      v = -v;
    }
    let digits = 1;
    for (let rest = v; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.pos + digits;
    this.pos = at;
    do {
      this.buf[--at] = ZERO + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
  }

  /** A copy of what was written since the last take(); the buffer is then reused. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }

  /**
   * What was written since the last take(), without copying: valid only until
   * the next write, take() or discard().
   */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Drops what was written since the last take(). */
  discard(): void {
    this.pos = 0;
  }

  private ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}
