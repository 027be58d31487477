import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRotatedSibling, rotatedSiblings } from '../../src/discovery/rotation.js';

describe('kubelet rotation names', () => {
  const cases: [string, boolean][] = [
    ['0.log.20240101-120000', true],
    ['0.log.20240101-120000.gz', true],
    ['0.log.20240101-120000.gz.tmp', false],
    ['0.log.20240101-1200', false],
    ['0.log.tmp', false],
    ['0.log', false],
    ['10.log.20240101-120000', false],
    ['1.log.20240101-120000', false],
    ['0.log.20240101-120000.bz2', false],
  ];
  for (const [name, expected] of cases) {
    it(`${name} ${expected ? 'is' : 'is not'} a rotated 0.log`, () => assert.equal(isRotatedSibling('0.log', name), expected));
  }

  it('lists the siblings oldest first, the .gz of a stamp after the plain file', () => {
    const entries = ['0.log', '1.log', '0.log.20240102-000000', '0.log.20240101-120000.gz', '0.log.20240101-120000.gz.tmp', '0.log.20231231-235959.gz', 'x'];
    assert.deepEqual(rotatedSiblings('0.log', entries), ['0.log.20231231-235959.gz', '0.log.20240101-120000.gz', '0.log.20240102-000000']);
  });
});
