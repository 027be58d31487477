import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatValue } from '../../src/metrics/exposition.js';
import { LineBuffer } from '../../src/metrics/line-buffer.js';

describe('LineBuffer', () => {
  it('writes every value exactly as formatValue spells it', () => {
    const values = [0, -0, 1, 7, 9, 10, 99, 100, 12345, -1, -10, -987654321, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER,
      2 ** 53, 2 ** 60, 1e21, 1e-7, 0.5, -0.25, 1.5e300, 123.456, 1 / 3, NaN, Infinity, -Infinity, Number.MIN_VALUE];
    const out = new LineBuffer(4);
    for (const v of values) {
      out.value(v);
      assert.equal(out.take().toString(), formatValue(v), `value ${v}`);
    }
  });

  it('grows past its first size and keeps what was written before', () => {
    const out = new LineBuffer(8);
    const label = Buffer.from('pod="web-0",namespace="default"');
    for (let i = 0; i < 1000; i++) {
      out.bytes(label);
      out.text(' ünï ');
      out.value(i);
      out.byte(0x0a);
    }
    const lines = out.take().toString().split('\n');
    assert.equal(lines.length, 1001);
    assert.equal(lines[0], 'pod="web-0",namespace="default" ünï 0');
    assert.equal(lines[999], 'pod="web-0",namespace="default" ünï 999');
  });

  it('starts afresh after take() and hands out copies', () => {
    const out = new LineBuffer(16);
    out.text('first');
    const first = out.take();
    out.text('later');
    assert.equal(first.toString(), 'first');
    assert.equal(out.take().toString(), 'later');
    assert.equal(out.take().length, 0);
  });

  it('shows what was written without copying it, until the next take', () => {
    const out = new LineBuffer(8);
    out.text('cpu{pod="a"} ');
    out.value(42);
    const view = out.view();
    assert.equal(view.toString(), 'cpu{pod="a"} 42');
    assert.equal(out.take().toString(), 'cpu{pod="a"} 42', 'take() still has it');
    out.text('x');
    assert.equal(out.view().toString(), 'x', 'a new view starts after the take');
  });
});
