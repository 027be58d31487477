import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessHealth } from '../../src/poller/health.js';
import { emptySnapshot } from '../../src/poller/snapshot.js';

const runtime = { type: 'containerd', name: 'containerd', version: '1', apiVersion: 'v1', criApiVersion: 'v1' as const, endpoint: 'e', nodeName: 'n' };
const base = emptySnapshot(runtime);
const snap = (lastSuccessAt: number) => ({ ...base, lastSuccessAt, errors: [{ part: 'poll', message: 'UNAVAILABLE: connection refused' }] });

describe('assessHealth', () => {
  it('is alive and not ready before any successful poll, with the reason', () => {
    const h = assessHealth({ snapshot: snap(0), lastTurnAt: 100, delayMs: 10_000 }, 10_000, 5_000, 101);
    assert.deepEqual([h.alive, h.ready], [true, false]);
    assert.match(h.reason, /no successful poll yet: UNAVAILABLE: connection refused/);
  });
  it('is ready within three intervals of a success, not after', () => {
    assert.equal(assessHealth({ snapshot: snap(100), lastTurnAt: 125, delayMs: 10_000 }, 10_000, 5_000, 130).ready, true);
    const late = assessHealth({ snapshot: snap(100), lastTurnAt: 129, delayMs: 10_000 }, 10_000, 5_000, 131);
    assert.equal(late.ready, false);
    assert.match(late.reason, /last successful poll 31s ago/);
  });
  it('is not alive when the loop stopped turning', () => {
    const h = assessHealth({ snapshot: snap(100), lastTurnAt: 100, delayMs: 10_000 }, 10_000, 5_000, 100 + 75);
    assert.deepEqual([h.alive, h.ready], [false, false]);
    assert.match(h.reason, /no poll started for 75s/);
  });
});
