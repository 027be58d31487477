// The event hub behind /api/v1/watch: fed every snapshot the poller
// publishes, it turns consecutive snapshots into numbered container events,
// keeps the last `capacity` of them for clients that reconnect, and hands
// new ones to subscribers. It never reads the runtime: data flows in from
// the poller only.
import type { Container, Snapshot } from '../poller/snapshot.js';
import { diffContainers, type ChangeType } from './diff.js';

export interface WatchEvent {
  /** `<epoch>-<n>`: n counts events of this agent run; epoch tells runs apart. */
  readonly id: string;
  readonly n: number;
  readonly type: ChangeType;
  readonly container: Container;
}

/** Where a (re)connecting client starts. */
export type Resume =
  /** No Last-Event-ID: the current containers, then live events. */
  | { readonly kind: 'fresh'; readonly headId: string; readonly containers: readonly Container[] }
  /** The events the client missed, all still buffered. */
  | { readonly kind: 'replay'; readonly events: readonly WatchEvent[] }
  /** The client's position is lost: it must forget its state and take the current containers. */
  | { readonly kind: 'resync'; readonly reason: string; readonly headId: string; readonly containers: readonly Container[] };

export interface WatchHubOptions {
  /** Events kept for reconnecting clients; default 1024. */
  readonly capacity?: number;
  /** Distinguishes this agent run's event IDs from an earlier run's; default: start time in base 36. */
  readonly epoch?: string;
}

type Listener = (event: WatchEvent) => void;

export class WatchHub {
  private readonly capacity: number;
  private readonly epoch: string;
  private readonly buffer: WatchEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private containers: readonly Container[] = [];
  private head = 0;

  constructor(opts: WatchHubOptions = {}) {
    this.capacity = Math.max(1, opts.capacity ?? 1024);
    this.epoch = opts.epoch ?? Date.now().toString(36);
    if (!/^[a-z0-9]+$/.test(this.epoch)) throw new Error(`watch hub epoch "${this.epoch}" must be lower-case base 36`);
  }

  get headId(): string {
    return this.idOf(this.head);
  }

  /** The poller's publish callback: diff against the previous snapshot, number, buffer, fan out. */
  publish(snapshot: Snapshot): void {
    const changes = diffContainers(this.containers, snapshot.containers);
    this.containers = snapshot.containers;
    for (const change of changes) {
      this.head += 1;
      const event: WatchEvent = { id: this.idOf(this.head), n: this.head, ...change };
      this.buffer.push(event);
      if (this.buffer.length > this.capacity) this.buffer.shift();
      for (const listener of this.listeners) listener(event);
    }
  }

  /** Where a client that last saw `lastEventId` resumes. Call and subscribe in the same tick to miss nothing. */
  resume(lastEventId: string | undefined): Resume {
    const current = { headId: this.headId, containers: this.containers };
    if (lastEventId === undefined || lastEventId === '') return { kind: 'fresh', ...current };
    const m = /^([a-z0-9]+)-(\d+)$/.exec(lastEventId.trim());
    if (m === null) return { kind: 'resync', reason: `Last-Event-ID "${lastEventId}" is not an event ID of this agent`, ...current };
    const [, epoch, digits] = m;
    const n = Number(digits);
    if (epoch !== this.epoch) return { kind: 'resync', reason: `Last-Event-ID "${lastEventId}" is from an earlier run of the agent`, ...current };
    if (n > this.head) return { kind: 'resync', reason: `Last-Event-ID "${lastEventId}" is newer than the newest event ${this.headId}`, ...current };
    const oldest = this.buffer[0]?.n ?? this.head + 1;
    if (n < oldest - 1) {
      return { kind: 'resync', reason: `events after "${lastEventId}" are no longer buffered (oldest kept: ${this.idOf(oldest)})`, ...current };
    }
    return { kind: 'replay', events: this.buffer.filter((e) => e.n > n) };
  }

  /** Calls `listener` with every new event until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  private idOf(n: number): string {
    return `${this.epoch}-${n}`;
  }
}
