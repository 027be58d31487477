// Notices when a channel comes back to READY after having lost its
// connection: the runtime restarted (or was replaced), so what the agent
// learnt from Version may no longer hold. grpc-js reconnects by itself; this
// only tells the poller that it did.
import { connectivityState, type Client } from '@grpc/grpc-js';

type Channel = ReturnType<Client['getChannel']>;

/** Re-armed well before any practical uptime; a timeout just re-arms the watch. */
const WATCH_SPAN_MS = 3_600_000;

export class ReconnectWatch {
  private everReady = false;
  private reconnected = false;
  private stopped = false;

  constructor(private readonly channel: Channel) {
    this.arm(channel.getConnectivityState(false));
  }

  /** True once after each reconnect since the last call. */
  take(): boolean {
    const r = this.reconnected;
    this.reconnected = false;
    return r;
  }

  stop(): void {
    this.stopped = true;
  }

  private arm(state: connectivityState): void {
    this.note(state);
    if (this.stopped || state === connectivityState.SHUTDOWN) return;
    this.channel.watchConnectivityState(state, Date.now() + WATCH_SPAN_MS, () => {
      this.arm(this.channel.getConnectivityState(false));
    });
  }

  private note(state: connectivityState): void {
    if (state !== connectivityState.READY) return;
    if (this.everReady) this.reconnected = true;
    this.everReady = true;
  }
}
