import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectEndpoint, EndpointError, parseEndpoint } from '../../src/cri/endpoint.js';

describe('parseEndpoint', () => {
  const good: [string, string, string][] = [
    ['unix:///run/containerd/containerd.sock', 'unix:/run/containerd/containerd.sock', 'unix:///run/containerd/containerd.sock'],
    ['/var/run/crio/crio.sock', 'unix:/var/run/crio/crio.sock', 'unix:///var/run/crio/crio.sock'],
    ['tcp://127.0.0.1:3735', '127.0.0.1:3735', 'tcp://127.0.0.1:3735'],
    ['tcp://[::1]:10010', '[::1]:10010', 'tcp://[::1]:10010'],
    ['  tcp://cri.local:1  ', 'cri.local:1', 'tcp://cri.local:1'],
  ];
  for (const [input, target, display] of good) {
    it(`accepts ${input.trim()}`, () => {
      const e = parseEndpoint(input);
      assert.equal(e.grpcTarget, target);
      assert.equal(e.display, display);
    });
  }

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['unix://relative/path.sock', /must be absolute/],
    ['http://127.0.0.1:80', /unsupported scheme "http"/],
    ['tcp://127.0.0.1', /expected tcp:\/\/host:port/],
    ['tcp://127.0.0.1:70000', /out of range/],
    ['containerd.sock', /not a path or URL/],
  ];
  for (const [input, reason] of bad) {
    it(`rejects "${input}" naming the problem and the accepted forms`, () => {
      assert.throws(() => parseEndpoint(input), (err: unknown) => {
        assert.ok(err instanceof EndpointError);
        assert.match(err.message, reason);
        assert.match(err.message, /unix:\/\/\/path/);
        return true;
      });
    });
  }
});

describe('detectEndpoint', () => {
  it('picks the first existing socket in order', () => {
    const present = new Set(['/run/crio/crio.sock', '/run/cri-dockerd.sock']);
    assert.equal(detectEndpoint(undefined, (p) => present.has(p))?.socketPath, '/run/crio/crio.sock');
  });
  it('prefers containerd when several runtimes exist', () => {
    assert.equal(detectEndpoint(undefined, () => true)?.socketPath, '/run/containerd/containerd.sock');
  });
  it('returns undefined when none exists', () => {
    assert.equal(detectEndpoint(undefined, () => false), undefined);
  });
});
