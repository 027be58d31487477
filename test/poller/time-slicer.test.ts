import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeSlicer } from '../../src/poller/time-slicer.js';

/** Whether a setImmediate scheduled now has run by the time `work` resolves. */
async function turnedDuring(work: () => Promise<void>): Promise<boolean> {
  let turned = false;
  setImmediate(() => { turned = true; });
  await work();
  return turned;
}

describe('time slicer', () => {
  it('keeps the event loop while the slice has time left', async () => {
    let now = 100;
    const slicer = new TimeSlicer(4, () => now);
    now = 103.9;
    assert.equal(await turnedDuring(() => slicer.yieldIfDue()), false);
  });

  it('gives the event loop a turn once the slice is used up, then starts a new slice', async () => {
    let now = 100;
    const slicer = new TimeSlicer(4, () => now);
    now = 104;
    assert.equal(await turnedDuring(() => slicer.yieldIfDue()), true);
    now = 107;
    assert.equal(await turnedDuring(() => slicer.yieldIfDue()), false, 'the new slice started at 104');
  });
});
