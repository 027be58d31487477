// Row 8: SIGTERM. Responses in flight complete (a slow reader still gets
// every byte), the CRI connection is closed, and the process exits 0 within
// 2 s.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { spawnAgent, type AgentProcess } from '../fixtures/agent-process.js';
import { waitUntil } from '../e2e/harness/agent.js';
import { get } from '../fixtures/agent-process.js';

/** Sends a GET and pauses after the first bytes, leaving the rest of the response in flight. */
function slowRead(port: number, path: string): { socket: Socket; firstBytes: Promise<void>; done: Promise<Buffer> } {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let first: () => void = () => undefined;
  const firstBytes = new Promise<void>((r) => { first = r; });
  const done = new Promise<Buffer>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (chunks.length === 1) {
        socket.pause();
        first();
      }
    });
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  return { socket, firstBytes, done };
}

function bodyComplete(raw: Buffer): { status: string; declared: number; received: number } {
  const sep = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, sep).toString();
  const declared = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? -1);
  return { status: head.split('\r\n')[0] ?? '', declared, received: raw.length - sep - 4 };
}

describe('row 8: SIGTERM', () => {
  let agent: AgentProcess | undefined;
  after(async () => {
    await agent?.stop();
  });

  it('finishes in-flight responses, closes the CRI connection and exits 0 within 2 s', async () => {
    const a = await spawnAgent(['--demo', '--demo-pods', '400', '--poll-interval', '500ms', '--log-level', 'info']);
    agent = a;
    await waitUntil(async () => (await get(`${a.url}/readyz`)).status === 200, 30_000, () => a.output());
    const readers = [slowRead(a.port, '/metrics'), slowRead(a.port, '/metrics/cadvisor'), slowRead(a.port, '/api/v1/containers')];
    await Promise.all(readers.map((r) => r.firstBytes));
    const signalled = Date.now();
    a.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300)); // the readers stall while the agent shuts down
    for (const r of readers) r.socket.resume();
    const responses = await Promise.all(readers.map((r) => r.done));
    for (const raw of responses) {
      const { status, declared, received } = bodyComplete(raw);
      assert.equal(status, 'HTTP/1.1 200 OK');
      assert.ok(declared > 100_000, `a response big enough to be in flight (${declared} bytes)`);
      assert.equal(received, declared, 'the whole body arrived');
    }
    const code = await a.exited;
    const took = Date.now() - signalled;
    assert.equal(code, 0, a.output());
    assert.ok(took < 2000, `exited ${took} ms after SIGTERM`);
    assert.match(a.output(), /received SIGTERM, shutting down/);
    assert.match(a.output(), /CRI connection closed/);
  });
});
