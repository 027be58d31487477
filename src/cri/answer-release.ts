// grpc-js reads each answer through a StreamDecoder that collects the
// answer's pieces (views of the HTTP/2 frames' memory) in an array, joins
// them into one message, and leaves that array in its field until the next
// answer on the same call begins — which, for a unary call, never comes.
//
// That would be harmless if the decoder died young. It does not: it is made
// when the call starts, and while the runtime prepares a large answer
// (ListPodSandboxStats takes tens of milliseconds at 1000 containers) the
// agent's other work can run the young-generation collector twice, and the
// decoder is then moved to the old generation. When the answer then arrives, the
// old decoder points at young pieces; V8 treats every such old-to-young
// pointer as live until the next full collection, dead decoder or not. So
// every piece of every answer survived its scavenges and was promoted, and
// its memory (the whole answer, ~1.9 MB per poll at 1000 containers) was
// freed only by a full collection, of which it then caused more.
//
// releaseAnswerPieces makes the decoder drop those references as soon as a
// message is complete: its write() is wrapped to reset the two fields that
// hold the last message's memory whenever it returns between messages. Both
// are reassigned by grpc-js before they are read again, so nothing it does
// changes. The wrapper checks the shape it relies on and does nothing when a
// grpc-js release no longer has it (test/cri/answer-release.test.ts pins the
// behaviour, so an upgrade that changes it fails there first).
import { StreamDecoder } from '@grpc/grpc-js/build/src/stream-decoder.js';

/** The fields of a StreamDecoder the wrapper reads and resets (private in grpc-js's types). */
interface DecoderFields {
  readState: number;
  readPartialMessage: Buffer[];
  readCompressFlag: Buffer;
}

interface DecoderClass {
  readonly prototype: { write(this: unknown, data: Buffer): Buffer[] };
}

/** grpc-js's ReadState.NO_DATA: between messages. */
const BETWEEN_MESSAGES = 0;

const wrapped = new WeakSet<object>();

/**
 * Wraps `decoderClass.prototype.write` (grpc-js's StreamDecoder unless
 * given) once. Returns true when the wrapper is in place (now or already),
 * false when the class does not look as expected and was left alone.
 */
export function releaseAnswerPieces(decoderClass: DecoderClass = StreamDecoder as unknown as DecoderClass): boolean {
  const proto = decoderClass.prototype;
  if (wrapped.has(proto)) return true;
  const write = proto.write;
  if (typeof write !== 'function' || !looksLikeTheDecoder(decoderClass)) return false;
  proto.write = function writeAndRelease(this: unknown, data: Buffer): Buffer[] {
    const messages = write.call(this, data);
    const self = this as DecoderFields;
    if (messages.length > 0 && self.readState === BETWEEN_MESSAGES) {
      // A fresh array and byte, not shared ones: grpc-js replaces both when
      // the next message starts, but a shared array would be one push away
      // from holding another call's pieces if it ever did not.
      self.readPartialMessage = [];
      self.readCompressFlag = Buffer.alloc(1);
    }
    return messages;
  };
  wrapped.add(proto);
  return true;
}

/** A new decoder has the three fields, with the types, that the wrapper touches. */
function looksLikeTheDecoder(decoderClass: DecoderClass): boolean {
  try {
    const d = new (decoderClass as unknown as new (max: number) => DecoderFields)(-1);
    return d.readState === BETWEEN_MESSAGES && Array.isArray(d.readPartialMessage) && Buffer.isBuffer(d.readCompressFlag);
  } catch {
    return false;
  }
}
