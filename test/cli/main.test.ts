// The CLI as an operator runs it: exit codes and one clear line on stderr.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { runCli } from '../e2e/harness/agent.js';

describe('cri-exporter CLI', () => {
  it('prints its version', async () => {
    const r = await runCli(['version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^cri-exporter \d+\.\d+\.\d+ \(node v\d+/);
  });

  it('prints usage with --help', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--runtime-endpoint/);
    assert.match(r.stdout, /CRI_EXPORTER_<FLAG>/);
  });

  const usageErrors: [string[], RegExp][] = [
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--poll-interval', 'fast'], /--poll-interval: "fast" is not a duration/],
    [['--runtime-endpoint', 'ftp://x'], /--runtime-endpoint: invalid endpoint/],
    [['dance'], /unknown command "dance"/],
  ];
  for (const [args, message] of usageErrors) {
    it(`exits 2 with one line for ${args.join(' ')}`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  it('exits 1 naming the socket when the runtime socket is missing for `containers`', async () => {
    const r = await runCli(['containers', '--runtime-endpoint', '/nonexistent/cri.sock']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no runtime socket at \/nonexistent\/cri\.sock/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('exits 1 naming the flag when the listen port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli(['--demo', '--listen', `127.0.0.1:${port}`, '--log-level', 'silent']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`--listen: 127\\.0\\.0\\.1:${port} is already in use`));
    } finally {
      blocker.close();
    }
  });
});
