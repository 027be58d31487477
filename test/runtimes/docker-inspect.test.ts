// parseInspect on inspect documents recorded from a real dockerd, and on the
// shapes other storage drivers and cgroup drivers give.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { dockerCgroupsPath, parseInspect } from '../../src/runtimes/docker-inspect.js';
import { CGROUP_PARENT, ID, LAYER } from '../fixtures/docker/fake-daemon.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/docker/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

const running = fixture('inspect-running.json');

describe('parseInspect', () => {
  it('takes merged and upper dir from overlay2 GraphDriver.Data, and cgroup and log from the rest', () => {
    assert.deepEqual(parseInspect(running, ID), {
      writableLayer: { mergedDir: `${LAYER}/merged`, upperDir: `${LAYER}/diff`, source: 'docker-api', complete: true },
      cgroupPath: `${CGROUP_PARENT}/${ID}`,
      logPath: `/var/lib/docker/containers/${ID}/${ID}-json.log`,
    });
  });

  it('gives the same paths for an exited container: Docker keeps its layer until removal', () => {
    assert.deepEqual(parseInspect(fixture('inspect-exited.json'), ID), parseInspect(running, ID));
  });

  it('marks the layer incomplete when the storage driver names no overlay dirs', () => {
    const cases: [string, unknown][] = [
      ['containerd image store', { Name: 'overlayfs', Data: null }],
      ['btrfs', { Name: 'btrfs', Data: null }],
      ['devicemapper', { Name: 'devicemapper', Data: { DeviceId: '7', DeviceName: 'docker-253:1-1-abc', DeviceSize: '10737418240' } }],
      ['no GraphDriver at all', undefined],
    ];
    for (const [what, driver] of cases) {
      const layer = parseInspect({ ...running, GraphDriver: driver }, ID)?.writableLayer;
      assert.deepEqual(layer, { mergedDir: '', upperDir: '', source: 'docker-api', complete: false }, what);
    }
  });

  it('rejects what is not the inspect document of this container', () => {
    for (const doc of [null, 'text', 42, [], [running], {}, { ...running, Id: 'other' }]) {
      assert.equal(parseInspect(doc, ID), undefined, JSON.stringify(doc)?.slice(0, 40));
    }
  });

  it('tolerates fields of the wrong type', () => {
    const odd = { Id: ID, LogPath: 7, HostConfig: null, GraphDriver: { Name: 'overlay2', Data: { MergedDir: 1, UpperDir: ['x'] } } };
    assert.deepEqual(parseInspect(odd, ID), {
      writableLayer: { mergedDir: '', upperDir: '', source: 'docker-api', complete: false }, cgroupPath: '', logPath: '',
    });
  });
});

describe('dockerCgroupsPath', () => {
  const id = 'abc123';
  const cases: [string, string, string][] = [
    ['kubelet, cgroupfs driver', '/kubepods/burstable/pod0b6c', '/kubepods/burstable/pod0b6c/abc123'],
    ['kubelet, systemd driver', 'kubepods-burstable-pod0b6c.slice', 'kubepods-burstable-pod0b6c.slice:docker:abc123'],
    ['trailing slash', '/kubepods/pod0b6c/', '/kubepods/pod0b6c/abc123'],
    ['a path that merely ends in .slice is a cgroupfs path', '/kubepods.slice/pod0b6c.slice', '/kubepods.slice/pod0b6c.slice/abc123'],
    ['daemon default: depends on the driver, which the document does not show', '', ''],
  ];
  for (const [what, parent, want] of cases) {
    it(what, () => assert.equal(dockerCgroupsPath(parent, id), want));
  }
});
