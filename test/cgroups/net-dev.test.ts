import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isIgnoredInterface, parseNetDev } from '../../src/cgroups/net-dev.js';
import { fixture } from './fixtures.js';

describe('net/dev parser', () => {
  it('reads the counters of a pod interface and leaves out loopback (recorded)', () => {
    assert.deepEqual(parseNetDev(fixture('proc/21208/net/dev')), [{
      name: 'eth0', rxBytes: 1026, rxPackets: 11, rxErrors: 0, rxDropped: 0, txBytes: 542, txPackets: 7, txErrors: 0, txDropped: 0,
    }]);
  });

  it('reads every column into its place', () => {
    const text = 'h1\nh2\n  net1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n';
    assert.deepEqual(parseNetDev(text), [{
      name: 'net1', rxBytes: 1, rxPackets: 2, rxErrors: 3, rxDropped: 4, txBytes: 9, txPackets: 10, txErrors: 11, txDropped: 12,
    }]);
  });

  it('ignores the interfaces cAdvisor ignores', () => {
    for (const name of ['lo', 'veth1a2b', 'docker0', 'nerdctl0', 'LO']) assert.ok(isIgnoredInterface(name), name);
    for (const name of ['eth0', 'net1', 'tunl0', 'cni0']) assert.ok(!isIgnoredInterface(name), name);
  });

  it('rejects a file whose columns cannot be trusted', () => {
    assert.throws(() => parseNetDev('h1\nh2\n  eth0: 1 2 3\n'), /malformed net\/dev line/);
    assert.throws(() => parseNetDev('h1\nh2\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n'), /malformed/);
  });
});
