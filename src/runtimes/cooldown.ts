// After a runtime-native API proved unreachable, the adapter stops asking it
// for a while: otherwise every new container would wait out a deadline, and
// the first poll after a start on a busy node would take minutes.

export class Cooldown {
  private until = 0;

  constructor(private readonly ms: number, private readonly now: () => number = Date.now) {}

  /** True when the API may be asked. */
  get open(): boolean {
    return this.now() >= this.until;
  }

  trip(): void {
    this.until = this.now() + this.ms;
  }
}
