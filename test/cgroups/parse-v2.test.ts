import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseCpuMax, parseCpuStatV2, parseCpuWeightAsShares, parseIoStat, parseMemoryEvents, parseMemoryMax, parseMemoryStatV2,
} from '../../src/cgroups/parse-v2.js';
import { fixture } from './fixtures.js';

describe('cgroup v2 parsers', () => {
  it('reads CFS throttling from cpu.stat, throttled_usec as seconds', () => {
    assert.deepEqual(parseCpuStatV2(fixture('v2/limited/cpu.stat')), { periods: 40, throttledPeriods: 39, throttledSeconds: 3.067254 });
  });

  it('has no CFS numbers where the cpu controller is not enabled (recorded)', () => {
    assert.deepEqual(parseCpuStatV2(fixture('v2/no-cpu-controller/cpu.stat')), { periods: undefined, throttledPeriods: undefined, throttledSeconds: undefined });
  });

  it('reads quota and period from cpu.max, "max" as no quota', () => {
    assert.deepEqual(parseCpuMax(fixture('v2/limited/cpu.max')), { quotaMicros: 20000, periodMicros: 100000 });
    assert.deepEqual(parseCpuMax(fixture('v2/unlimited/cpu.max')), { quotaMicros: undefined, periodMicros: 100000 });
    assert.throws(() => parseCpuMax('20000\n'), /expected "max\|<quota> <period>"/);
  });

  it('turns cpu.weight back into the cpu.shares it stands for', () => {
    assert.equal(parseCpuWeightAsShares(fixture('v2/unlimited/cpu.weight')), 2 + Math.floor((99 * 262142) / 9999)); // weight 100 ~ 1024 shares
    assert.equal(parseCpuWeightAsShares(fixture('v2/limited/cpu.weight')), 237);
    assert.equal(parseCpuWeightAsShares('1'), 2);
    assert.equal(parseCpuWeightAsShares('10000'), 262144);
    assert.throws(() => parseCpuWeightAsShares('0'), /outside 1\.\.10000/);
  });

  it('reads memory.max, "max" as 0 (no limit)', () => {
    assert.equal(parseMemoryMax(fixture('v2/limited/memory.max')), 268435456);
    assert.equal(parseMemoryMax(fixture('v2/unlimited/memory.max')), 0);
  });

  it('reads page cache as "file" and mapped files as "file_mapped"', () => {
    assert.deepEqual(parseMemoryStatV2(fixture('v2/limited/memory.stat')), { cacheBytes: 20979712, mappedFileBytes: 1466368 });
  });

  it('reads oom_kill from memory.events', () => {
    assert.equal(parseMemoryEvents(fixture('v2/limited/memory.events')), 1);
    assert.equal(parseMemoryEvents(fixture('v2/unlimited/memory.events')), 0);
  });

  it('reads bytes and operations per device from io.stat', () => {
    assert.deepEqual([...parseIoStat(fixture('v2/limited/io.stat'))], [
      ['254:0', { readBytes: 8192, writeBytes: 4390912, reads: 2, writes: 57 }],
      ['253:0', { readBytes: 4096, writeBytes: 0, reads: 1, writes: 0 }],
    ]);
    assert.equal(parseIoStat('').size, 0);
  });
});
