import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matches, parseSelector, SelectorError } from '../../src/http/label-selector.js';

const labels = { app: 'web', tier: 'front', 'app.kubernetes.io/name': 'shop' };

describe('label selectors', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (db, web)', true],
    ['app notin (db,web)', false],
    ['app,tier', true],
    ['!legacy', true],
    ['!app', false],
    ['app=web,tier=back', false],
    ['app.kubernetes.io/name=shop,tier in (front)', true],
  ];
  for (const [selector, expected] of cases) {
    it(`"${selector}" → ${expected}`, () => assert.equal(matches(parseSelector(selector), labels), expected));
  }

  for (const bad of ['app=', 'app in (a', '=web', 'a b', 'app=we b', 'app in (a,(b))', ',']) {
    it(`rejects "${bad}"`, () => {
      if (bad === 'app=') {
        // An empty value is valid Kubernetes syntax: it matches an empty label value.
        assert.equal(matches(parseSelector(bad), labels), false);
        return;
      }
      assert.throws(() => parseSelector(bad), SelectorError);
    });
  }
});
