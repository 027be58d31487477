// Liveness and readiness from the poll loop's state: pure, so the thresholds
// are tested on literals.
import type { Snapshot } from './snapshot.js';

export interface Health {
  /** The poll loop turned recently. */
  readonly alive: boolean;
  /** A poll succeeded within the last three intervals. */
  readonly ready: boolean;
  /** Why not ready (or not alive), for the 503 body. */
  readonly reason: string;
}

export interface LoopState {
  readonly snapshot: Snapshot;
  /** Unix seconds when the loop last started a poll; 0 before the first. */
  readonly lastTurnAt: number;
  /** The loop's current wait between polls, including backoff. */
  readonly delayMs: number;
}

export function assessHealth(loop: LoopState, intervalMs: number, criTimeoutMs: number, now: number): Health {
  const { snapshot: snap, lastTurnAt } = loop;
  // A poll makes at most three rounds of calls, each bounded by the CRI deadline.
  const stallLimit = (3 * (loop.delayMs + 3 * criTimeoutMs)) / 1000;
  const alive = lastTurnAt === 0 || now - lastTurnAt < stallLimit;
  if (!alive) return { alive, ready: false, reason: `no poll started for ${Math.round(now - lastTurnAt)}s` };
  const ready = snap.lastSuccessAt > 0 && now - snap.lastSuccessAt <= (3 * intervalMs) / 1000;
  if (ready) return { alive, ready, reason: '' };
  const errors = snap.errors.map((e) => e.message).join('; ');
  const reason = snap.lastSuccessAt === 0
    ? `no successful poll yet: ${errors}`
    : `last successful poll ${Math.round(now - snap.lastSuccessAt)}s ago: ${errors}`;
  return { alive, ready, reason };
}
