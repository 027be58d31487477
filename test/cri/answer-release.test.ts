// grpc-js's StreamDecoder keeps the last answer's pieces until another
// answer starts; the wrapper lets go of them as soon as a message is whole,
// without changing a single decoded byte. Each case wraps a subclass of its
// own; the unwrapped decoder is grpc-js's write as it was when this file was
// loaded, whichever case has since put the wrapper on grpc-js's class.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamDecoder } from '@grpc/grpc-js/build/src/stream-decoder.js';
import { releaseAnswerPieces } from '../../src/cri/answer-release.js';
import { serve } from '../../src/cli/serve.js';
import { loadConfig } from '../../src/config.js';
import { createRandom } from '../../src/sim/random.js';

interface Fields {
  readPartialMessage: Buffer[];
  readCompressFlag: Buffer;
}

const fields = (d: StreamDecoder) => d as unknown as Fields;

/** A gRPC length-prefixed message (uncompressed) around `body`. */
function framed(body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** `bytes` cut at `cuts`, each piece in memory of its own, as HTTP/2 frames arrive. */
function pieces(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [0, ...cuts, bytes.length];
  return at.slice(1).map((end, i) => Buffer.from(bytes.subarray(at[i], end)));
}

// Read before any case runs: serve wraps grpc-js's own class.
const grpcWrite = StreamDecoder.prototype.write;

/** A subclass with grpc-js's unwrapped write, for a case to wrap or not. */
function freshClass(): typeof StreamDecoder {
  const Fresh = class extends StreamDecoder {};
  Fresh.prototype.write = grpcWrite;
  return Fresh;
}

function decodeAll(d: StreamDecoder, chunks: readonly Buffer[]): Buffer[] {
  return chunks.flatMap((c) => d.write(c));
}

const body = Buffer.from('an answer of some length, in more than one piece');

describe('releaseAnswerPieces', () => {
  it('grpc-js as it is keeps the pieces of the last message (the reason for the wrapper; if this fails, grpc-js changed)', () => {
    const Plain = freshClass();
    const d = new Plain(-1);
    const chunks = pieces(framed(body), [3, 20]);
    assert.deepEqual(decodeAll(d, chunks), [framed(body)]);
    const kept = fields(d).readPartialMessage;
    assert.equal(kept.length, 2);
    assert.ok(kept.every((p, i) => p.buffer === chunks[i + 1]?.buffer), 'the kept pieces are views of the frames');
    assert.equal(fields(d).readCompressFlag.buffer, chunks[0]?.buffer);
  });

  it('wrapped, the decoder holds nothing of a message once it is whole, and returns the same bytes', () => {
    const Wrapped = freshClass();
    assert.equal(releaseAnswerPieces(Wrapped), true);
    const d = new Wrapped(-1);
    const chunks = pieces(framed(body), [3, 20]);
    assert.deepEqual(decodeAll(d, chunks), [framed(body)]);
    assert.deepEqual(fields(d).readPartialMessage, []);
    assert.ok(chunks.every((c) => fields(d).readCompressFlag.buffer !== c.buffer));
  });

  it('does not let go of a message still being read: a frame with one message\'s end and the next one\'s start', () => {
    const Wrapped = freshClass();
    releaseAnswerPieces(Wrapped);
    const d = new Wrapped(-1);
    const second = Buffer.from('the second answer');
    const both = Buffer.concat([framed(body), framed(second)]);
    const cut = framed(body).length + 9; // in the second message's body
    const [first, rest] = pieces(both, [cut]) as [Buffer, Buffer];
    assert.deepEqual(d.write(first), [framed(body)]);
    assert.equal(fields(d).readPartialMessage.length, 1, 'the second message\'s first piece is kept');
    assert.deepEqual(d.write(rest), [framed(second)]);
    assert.deepEqual(fields(d).readPartialMessage, []);
  });

  it('decodes any cutting of a run of messages exactly as grpc-js does unwrapped', () => {
    const random = createRandom(7);
    const int = (n: number) => Math.floor(random() * n);
    const Wrapped = freshClass();
    releaseAnswerPieces(Wrapped);
    const Plain = freshClass();
    for (let round = 0; round < 200; round++) {
      const messages = Array.from({ length: 1 + int(4) }, () => Buffer.from(Array.from({ length: int(40) }, () => int(256))));
      const stream = Buffer.concat(messages.map(framed));
      const cuts = [...new Set(Array.from({ length: int(8) }, () => 1 + int(Math.max(1, stream.length - 1))))].filter((c) => c < stream.length).sort((a, b) => a - b);
      const chunks = pieces(stream, cuts);
      const wrappedOut = decodeAll(new Wrapped(-1), chunks);
      assert.deepEqual(wrappedOut, decodeAll(new Plain(-1), chunks), `round ${round}, cuts ${cuts.join(',')}`);
      assert.deepEqual(wrappedOut, messages.map(framed));
    }
  });

  it('wraps once however often it is called, and leaves alone a class that is not the decoder it knows', () => {
    const Wrapped = freshClass();
    releaseAnswerPieces(Wrapped);
    const once = Wrapped.prototype.write;
    assert.equal(releaseAnswerPieces(Wrapped), true);
    assert.equal(Wrapped.prototype.write, once);
    class Other {
      write(data: Buffer): Buffer[] {
        return [data];
      }
    }
    const before = Other.prototype.write;
    assert.equal(releaseAnswerPieces(Other), false);
    assert.equal(Other.prototype.write, before);
  });

  it('serve puts the wrapper on grpc-js\'s own decoder', async () => {
    assert.equal(StreamDecoder.prototype.write, grpcWrite, 'nothing wrapped it before serve');
    const config = loadConfig(['--demo', '--demo-pods', '1', '--listen', '127.0.0.1:0', '--log-level', 'silent'], {});
    const { close } = await serve(config);
    try {
      assert.equal(StreamDecoder.prototype.write.name, 'writeAndRelease');
    } finally {
      await close();
    }
  });
});
