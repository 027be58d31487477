// A runtime whose list answer is not protobuf: the hand-written decoder
// throws inside grpc-js's deserializer, and the client's call fails with
// INTERNAL and a message naming the answer, as one failed call and nothing
// worse. The server here sends raw bytes, which the simulated runtime (it
// encodes objects) cannot.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CriClient } from '../../src/cri/client.js';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import { CriCallError } from '../../src/cri/errors.js';
import { w } from './wire-writer.js';

const ANSWERS: Record<string, Buffer> = {
  ListContainers: w().raw([0x0a, 0x05, 0x0a, 0x01]).finish(),
  ListPodSandbox: w().message(1, w().string(1, 'sandbox-1').message(2, w().string(1, 'web').string(3, 'default'))).finish(),
};

let dir: string;
let server: grpc.Server;
let client: CriClient;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cri-garbage-'));
  server = new grpc.Server();
  const raw = (b: Buffer) => b;
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [method, answer] of Object.entries(ANSWERS)) {
    definition[method] = {
      path: `/runtime.v1.RuntimeService/${method}`, requestStream: false, responseStream: false,
      requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw,
    };
    impl[method] = (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, answer);
  }
  server.addService(definition as grpc.ServiceDefinition, impl);
  const socket = join(dir, 'cri.sock');
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  client = new CriClient({ endpoint: parseEndpoint(`unix://${socket}`), timeoutMs: 5000, maxMessageBytes: 1 << 20, apiVersion: 'v1' });
});

after(async () => {
  client?.close();
  server?.forceShutdown();
  await rm(dir, { recursive: true, force: true });
});

it('a garbled ListContainers answer fails that call with INTERNAL, naming the answer and the byte', async () => {
  await assert.rejects(client.listContainers(), (err: unknown) => {
    assert.ok(err instanceof CriCallError);
    assert.equal(err.code, 'INTERNAL');
    assert.match(err.message, /INTERNAL: .*ListContainers answer: length runs past the end of the answer at byte 1$/);
    return true;
  });
});

it('the next call on the same connection is decoded as usual', async () => {
  assert.deepStrictEqual(await client.listPodSandboxes(), [{
    id: 'sandbox-1', name: 'web', namespace: 'default', uid: '', attempt: 0, state: 'ready', createdAt: 0, labels: {}, runtimeHandler: '',
  }]);
});
