import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as convert from '../../src/cri/convert.js';

describe('proto → domain conversion', () => {
  it('converts a ListContainers answer as proto-loader decodes it', () => {
    const [c] = convert.toContainerSummaries({
      containers: [{
        id: 'abc', podSandboxId: 'sb', metadata: { name: 'app', attempt: 2 }, image: { image: 'sha256:1' }, imageRef: 'sha256:1',
        state: 'CONTAINER_EXITED', createdAt: '1700000000123456789', labels: { a: 'b' },
      }],
    });
    assert.deepEqual(c, {
      id: 'abc', sandboxId: 'sb', name: 'app', attempt: 2, image: 'sha256:1', imageRef: 'sha256:1', state: 'exited',
      createdAt: 1700000000.1234567, labels: { a: 'b' },
    });
  });

  it('survives garbage: wrong types, missing messages, unknown enums', () => {
    const garbage: unknown[] = [null, undefined, 42, 'x', [], { containers: 'nope' }, { containers: [null, 7, { id: 5 }] }];
    for (const g of garbage) assert.deepEqual(convert.toContainerSummaries(g), []);
    const [odd] = convert.toContainerSummaries({ containers: [{ id: 'x', state: 'CONTAINER_ZOMBIE', createdAt: 'soon', metadata: { attempt: 'NaN' }, labels: { ok: 'y', bad: 3 } }] });
    assert.equal(odd?.state, 'unknown');
    assert.equal(odd?.createdAt, 0);
    assert.equal(odd?.attempt, 0);
    assert.deepEqual(odd?.labels, { ok: 'y' });
    assert.deepEqual(convert.toContainerDetail(undefined).info, {});
    assert.deepEqual(convert.toConditions({ status: { conditions: [{ type: 'RuntimeReady', status: 'yes' }] } }), [{ type: 'RuntimeReady', status: false, reason: '', message: '' }]);
  });

  it('tells an absent stats value from zero, and drops negative or non-numeric ones', () => {
    const [u] = convert.toContainerUsages({
      stats: [{
        attributes: { id: 'c1' },
        cpu: { timestamp: '1700000000000000000', usageCoreNanoSeconds: { value: '2500000000' } },
        memory: { workingSetBytes: { value: '0' }, usageBytes: null, rssBytes: { value: '-5' }, pageFaults: { value: 'many' } },
        writableLayer: { fsId: { mountpoint: '/m' }, usedBytes: { value: '10' } },
      }],
    });
    assert.equal(u?.cpuUsageCoreNanoSeconds, 2_500_000_000);
    assert.equal(u?.memoryWorkingSetBytes, 0);
    assert.equal(u?.memoryUsageBytes, undefined);
    assert.equal(u?.memoryRssBytes, undefined);
    assert.equal(u?.memoryPageFaults, undefined);
    assert.deepEqual(u?.writableLayer, { mountpoint: '/m', usedBytes: 10, inodesUsed: undefined });
  });

  it('merges the default interface with the others, once per name', () => {
    const [p] = convert.toPodSandboxUsages({
      stats: [{
        attributes: { id: 'p1' },
        linux: {
          network: { defaultInterface: { name: 'lo', rxBytes: { value: '1' } }, interfaces: [{ name: 'lo', rxBytes: { value: '1' } }, { name: 'eth0', txBytes: { value: '9' } }, { name: '' }] },
          process: { processCount: { value: '4' } },
        },
      }],
    });
    assert.deepEqual(p?.interfaces.map((i) => i.name), ['lo', 'eth0']);
    assert.equal(p?.processes, 4);
  });
});
