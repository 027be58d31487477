// Cuts a long run of synchronous work into slices of a few milliseconds and
// gives the event loop a turn between them, so that a scrape arriving in the
// middle of a poll waits for a slice or two, not for the whole poll step.
import { setImmediate as nextTurn } from 'node:timers/promises';

export class TimeSlicer {
  private sliceStart: number;

  /** `now`: a clock in milliseconds; a test seam. */
  constructor(private readonly sliceMillis: number, private readonly now: () => number = () => performance.now()) {
    this.sliceStart = now();
  }

  /**
   * Call before each unit of work. Returns at once while the slice has time
   * left; once it is used up, after a setImmediate, i.e. once the loop has
   * been through its I/O phase, where sockets that became ready are served.
   */
  async yieldIfDue(): Promise<void> {
    if (this.now() - this.sliceStart < this.sliceMillis) return;
    await nextTurn();
    this.sliceStart = this.now();
  }
}
