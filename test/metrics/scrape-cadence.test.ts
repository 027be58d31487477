import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScrapeCadence } from '../../src/metrics/scrape-cadence.js';

const S = 1000;

describe('ScrapeCadence', () => {
  it('expects a request at any time until it has seen a cadence', () => {
    const c = new ScrapeCadence();
    assert.equal(c.dueBefore(0, 1), true, 'never asked');
    c.asked(5 * S);
    assert.equal(c.dueBefore(6 * S, 6 * S + 1), true, 'asked once');
    c.asked(5 * S + 200);
    assert.equal(c.dueBefore(6 * S, 6 * S + 1), true, 'a burst is no cadence');
    assert.equal(c.lastAt, 5 * S + 200);
  });

  it('with scrapes every 30 s and polls every 10 s, prepares one snapshot in three, the one before each scrape', () => {
    const c = new ScrapeCadence();
    for (const at of [5, 35, 65]) c.asked(at * S);
    // Polls publish at 70, 80, 90, …; the next expected at 10 s + 0.5 s margin.
    const due = [70, 80, 90, 100, 110, 120].filter((t) => c.dueBefore(t * S, (t + 10.5) * S));
    assert.deepEqual(due, [90, 120], 'the scrapes at 95 and 125 find their snapshot prepared');
  });

  it('takes the shortest recent gap as the period, so a second scraper makes it prepare more, not less', () => {
    const c = new ScrapeCadence();
    for (const at of [0, 30, 60, 75]) c.asked(at * S);
    // Period 15 s now: the next is due at 90.
    assert.equal(c.dueBefore(80 * S, 89 * S), false);
    assert.equal(c.dueBefore(80 * S, 91 * S), true);
  });

  it('keeps counting periods when scrapes were missed', () => {
    const c = new ScrapeCadence();
    for (const at of [0, 10, 20]) c.asked(at * S);
    // No scrape since 20 s: still expected on the 10 s grid (70, 80, …).
    assert.equal(c.dueBefore(71 * S, 79 * S), false);
    assert.equal(c.dueBefore(71 * S, 81 * S), true);
    assert.equal(c.dueBefore(80 * S, 80 * S + 1), true, 'one due right now counts');
  });

  it('forgets old gaps: the period follows a scraper that slows down', () => {
    const c = new ScrapeCadence();
    for (const at of [0, 5, 10]) c.asked(at * S);
    for (const at of [70, 130, 190, 250, 310]) c.asked(at * S);
    assert.equal(c.dueBefore(311 * S, 360 * S), false, 'every 60 s now: none due before 370');
    assert.equal(c.dueBefore(311 * S, 371 * S), true);
  });
});
