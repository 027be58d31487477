// Reproduces the kubelet's container log rotation on a real runtime: rename
// `N.log` to `N.log.<YYYYMMDD-hhmmss>`, then ask the runtime over CRI to
// reopen `N.log` (ReopenContainerLog). The agent's trimmed proto leaves that
// write RPC out on purpose (the agent never calls it), so it is declared
// here by hand: its request has one field, container_id = 1.
import { rename } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';

const METHOD = '/runtime.v1.RuntimeService/ReopenContainerLog';

/** Protobuf encoding of `{ container_id: id }`: tag (field 1, length-delimited), length varint, bytes. */
function encodeRequest(containerId: string): Buffer {
  const body = Buffer.from(containerId, 'utf8');
  const len: number[] = [];
  for (let n = body.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...len]), body]);
}

export async function reopenContainerLog(endpoint: string, containerId: string, timeoutMs = 30_000): Promise<void> {
  const path = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : endpoint;
  const client = new grpc.Client(`unix:${path}`, grpc.credentials.createInsecure());
  try {
    await new Promise<void>((resolve, reject) => {
      client.makeUnaryRequest(METHOD, encodeRequest, (b: Buffer) => b, containerId, new grpc.Metadata(), { deadline: Date.now() + timeoutMs },
        (err) => (err ? reject(new Error(`CRI ReopenContainerLog ${containerId} failed (${grpc.status[err.code] ?? err.code}): ${err.details || err.message}`)) : resolve()));
    });
  } finally {
    client.close();
  }
}

/** The kubelet's rotation of one live log; returns the rotated file's path. */
export async function rotateLikeKubelet(endpoint: string, containerId: string, logPath: string, stamp: string): Promise<string> {
  const rotated = `${logPath}.${stamp}`;
  await rename(logPath, rotated);
  await reopenContainerLog(endpoint, containerId);
  return rotated;
}
