// When a scraper will come back. Prometheus scrapes each target at a fixed
// interval, so the gaps between past requests say when the next is due. The
// agent prepares a snapshot's exposition right after the poll only when a
// scrape is due before the next snapshot replaces it: with a 30 s scrape
// interval and 10 s polls, one poll in three; the scrape after a poll that
// was not prepared renders it itself.

/** Requests closer together than this are a burst (several scrapers, a retry), not a cadence. */
const BURST_MS = 1000;
/** How many gaps are remembered; the shortest of them is the period assumed. */
const GAPS_KEPT = 4;

export class ScrapeCadence {
  private last: number | undefined;
  private readonly gaps: number[] = [];

  /** Notes a request at `at` (milliseconds). */
  asked(at: number): void {
    if (this.last !== undefined) {
      const gap = at - this.last;
      if (gap >= BURST_MS) {
        this.gaps.push(gap);
        if (this.gaps.length > GAPS_KEPT) this.gaps.shift();
      }
    }
    this.last = at;
  }

  /** Milliseconds of the last request; undefined before any. */
  get lastAt(): number | undefined {
    return this.last;
  }

  /**
   * Whether a request is expected from `now` until before `until`. True while
   * there is no cadence to go by (fewer than two requests a second or more
   * apart): then every snapshot is prepared, as a scrape may come at any time.
   */
  dueBefore(now: number, until: number): boolean {
    if (this.last === undefined || this.gaps.length === 0) return true;
    const period = Math.min(...this.gaps);
    const periods = Math.max(1, Math.ceil((now - this.last) / period));
    return this.last + periods * period < until;
  }
}
