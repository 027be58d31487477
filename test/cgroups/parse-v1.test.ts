import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseBlkioThrottle, parseCfsQuota, parseCpuStatV1, parseMemoryLimitV1, parseMemoryStatV1, parseOomControl,
} from '../../src/cgroups/parse-v1.js';
import { keyedValue, parseInteger } from '../../src/cgroups/parse-common.js';
import { fixture } from './fixtures.js';

describe('cgroup v1 parsers on recorded files', () => {
  it('reads CFS throttling from cpu.stat, throttled_time in nanoseconds as seconds', () => {
    assert.deepEqual(parseCpuStatV1(fixture('v1/throttled/cpu.stat')), { periods: 40, throttledPeriods: 39, throttledSeconds: 3.067254242 });
    assert.deepEqual(parseCpuStatV1(fixture('v1/unlimited/cpu.stat')), { periods: 0, throttledPeriods: 0, throttledSeconds: 0 });
  });

  it('reads the quota, with -1 as no quota, and period and shares', () => {
    assert.equal(parseCfsQuota(fixture('v1/throttled/cpu.cfs_quota_us')), 20000);
    assert.equal(parseCfsQuota(fixture('v1/unlimited/cpu.cfs_quota_us')), undefined);
    assert.equal(parseInteger(fixture('v1/throttled/cpu.cfs_period_us')), 100000);
    assert.equal(parseInteger(fixture('v1/throttled/cpu.shares')), 256);
    assert.equal(parseInteger(fixture('v1/unlimited/cpu.shares')), 1024);
  });

  it('reads page cache and mapped files from memory.stat, preferring the hierarchical totals', () => {
    assert.deepEqual(parseMemoryStatV1(fixture('v1/throttled/memory.stat')), { cacheBytes: 20979712, mappedFileBytes: 0 });
    assert.deepEqual(parseMemoryStatV1(fixture('v1/unlimited/memory.stat')), { cacheBytes: 0, mappedFileBytes: 0 });
    assert.deepEqual(parseMemoryStatV1('cache 10\nmapped_file 3\ntotal_cache 12\n'), { cacheBytes: 12, mappedFileBytes: 3 });
  });

  it('reports the rounded "no limit" memory value as 0, as cAdvisor does', () => {
    assert.equal(parseMemoryLimitV1(fixture('v1/throttled/memory.limit_in_bytes')), 268435456);
    assert.equal(parseMemoryLimitV1(fixture('v1/unlimited/memory.limit_in_bytes')), 0);
  });

  it('reads oom_kill from memory.oom_control, and nothing from kernels before 4.13', () => {
    assert.equal(parseOomControl(fixture('v1/throttled/memory.oom_control')), 0);
    assert.equal(parseOomControl('oom_kill_disable 0\nunder_oom 0\noom_kill 4\n'), 4);
    assert.equal(parseOomControl('oom_kill_disable 0\nunder_oom 0\n'), undefined);
  });

  it('reads Read and Write per device from the blkio throttle files', () => {
    assert.deepEqual([...parseBlkioThrottle(fixture('v1/throttled/blkio.throttle.io_service_bytes_recursive'))], [['254:0', { read: 0, write: 4390912 }]]);
    assert.deepEqual([...parseBlkioThrottle(fixture('v1/throttled/blkio.throttle.io_serviced_recursive'))], [['254:0', { read: 0, write: 57 }]]);
    assert.equal(parseBlkioThrottle(fixture('v1/unlimited/blkio.throttle.io_service_bytes_recursive')).size, 0);
  });

  it('skips odd lines of keyed files and rejects a non-number single-value file', () => {
    const text = 'a 1\nbroken\nb x\nc 3\t \nd 4 5\nxa 7\ne\t8\r\n\n';
    assert.deepEqual(['a', 'broken', 'b', 'c', 'd', 'e', 'x', 'xa', ''].map((k) => keyedValue(text, k)), [1, undefined, undefined, 3, undefined, 8, undefined, 7, undefined]);
    assert.equal(keyedValue('total_cache 5\ncache 2\n', 'cache'), 2, 'a key is matched at the start of its line only');
    assert.equal(keyedValue('cache_x 1\ncache 2', 'cache'), 2, 'and as a whole word');
    assert.throws(() => parseInteger('max\n'), /expected an integer, found "max"/);
    assert.throws(() => parseInteger(''), /expected an integer/);
  });
});
