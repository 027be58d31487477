// A bearer token kept in a file that someone else rewrites: the kubelet
// rotates a pod's projected service-account token (hourly by default, and
// it is refreshed well before it expires), so the file is read again once
// the copy in memory is older than maxAgeMs.
import { readFileSync } from 'node:fs';

export class FileToken {
  private token: string;
  private readAt: number;

  /** Reads the file now; throws (with the path) when it is unreadable or empty. */
  constructor(
    readonly path: string,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.token = readToken(path);
    this.readAt = this.now();
  }

  /** The token, re-read when stale; a failed re-read keeps the last one (a rotation may be mid-way). */
  value(): string {
    const now = this.now();
    if (now - this.readAt < this.maxAgeMs) return this.token;
    this.readAt = now;
    try {
      this.token = readToken(this.path);
    } catch {
      // Keep the last token; the next attempt comes after another maxAgeMs.
    }
    return this.token;
  }
}

function readToken(path: string): string {
  // Synchronous on purpose: a few hundred bytes from tmpfs, once a minute at most.
  const token = readFileSync(path, 'utf8').trim();
  if (token === '') throw new Error(`${path} is empty`);
  return token;
}
