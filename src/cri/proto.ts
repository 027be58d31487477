// Loads the CRI proto once per API version. runtime.v1alpha2 carries the same
// messages under the same field numbers as runtime.v1 for everything in
// proto/cri/api.proto (fields v1 added later are simply absent from v1alpha2
// replies), so one source file is registered under both package names.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { LIST_DECODERS } from './list-decoders.js';
import type { ApiVersion } from './types.js';

/**
 * How messages look in JavaScript: camelCase fields, 64-bit ints as numbers,
 * enums by name. Numbers rather than strings because decoding every uint64
 * through Long.toString was a measurable part of each poll, and convert.ts
 * turned the strings back into numbers anyway; counters past 2^53 lose their
 * low bits, which no byte or nanosecond counter reaches in practice.
 * `defaults` stays true: without it an enum at its zero value (CONTAINER_CREATED,
 * SANDBOX_READY) and a wrapper holding 0 arrive absent, which convert.ts reads
 * as "unknown" and "not reported".
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface CriPackage {
  readonly RuntimeService: grpc.ServiceClientConstructor;
  readonly ImageService: grpc.ServiceClientConstructor;
}

/** Which decoder a package carries: every field (servers, tools) or only what the agent reads. */
export type ProtoShape = 'full' | 'reader';

/**
 * Fields the agent never reads, by message, left out of the agent's decoder:
 * protobufjs skips the bytes of a field its type does not declare without
 * building anything. Of a pod's stats the agent reads the network and
 * process counts and, when it asks for them, the copy of every container's
 * stats inside (poller/stats-plan.ts), not the pod's CPU and memory. The
 * attributes of stats repeat what the list calls already gave; only their
 * ids are read. Annotations of pods and containers are read nowhere, and in
 * a cluster they are often most of a list answer (kubectl's
 * last-applied-configuration alone is the whole manifest). The
 * four list answers bypass protobufjs now (list-decoders.ts), but are held
 * to what protobufjs makes of them with this shape.
 */
const UNREAD_FIELDS: Readonly<Record<string, readonly string[]>> = {
  PodSandbox: ['annotations'],
  Container: ['annotations'],
  PodSandboxStats: ['windows'],
  LinuxPodSandboxStats: ['cpu', 'memory', 'io'],
  PodSandboxAttributes: ['metadata', 'labels', 'annotations'],
  ContainerAttributes: ['metadata', 'labels', 'annotations'],
};

interface Loaded {
  readonly definition: protoLoader.PackageDefinition;
  readonly pkg: CriPackage;
  readonly root: protobuf.Root;
}

const cache = new Map<string, Loaded>();

/** Directory holding the project's .proto files, found from this module's location (src/ or dist/src/). */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'proto');
    try {
      readFileSync(join(candidate, 'cri', 'api.proto'));
      return candidate;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error('cannot find proto/cri/api.proto next to the installed program');
}

function load(version: ApiVersion, shape: ProtoShape): Loaded {
  const key = `${version}/${shape}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const source = readFileSync(join(protoDir(), 'cri', 'api.proto'), 'utf8');
  const rewritten = source.replace(/^package runtime\.v1;/m, `package runtime.${version};`);
  const root = protobuf.parse(rewritten, { keepCase: false }).root;
  if (shape === 'reader') dropUnread(root, version);
  const definition = protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS);
  if (shape === 'reader') decodeWithoutCopy(definition, root, version);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { runtime: Record<string, CriPackage> };
  const pkg = loaded.runtime[version];
  if (!pkg) throw new Error(`proto/cri/api.proto does not define package runtime.${version}`);
  const entry = { definition, pkg, root };
  cache.set(key, entry);
  return entry;
}

/**
 * proto-loader decodes an answer into protobufjs messages and then copies
 * them into plain objects (toObject). The agent reads the messages as they
 * are (src/cri/convert.ts takes enums as numbers and 64-bit integers as
 * Long), which halves what a poll allocates for its answers; at 1000
 * containers the garbage collector was half of a poll's CPU. The four list
 * answers, most of a poll's bytes, skip protobufjs altogether: they are
 * decoded straight to domain values (list-decoders.ts).
 */
function decodeWithoutCopy(definition: protoLoader.PackageDefinition, root: protobuf.Root, version: ApiVersion): void {
  for (const service of ['RuntimeService', 'ImageService']) {
    const name = `runtime.${version}.${service}`;
    const svc = resolvedService(root, name);
    const served = definition[name] as unknown as Record<string, { responseDeserialize: (bytes: Buffer) => unknown }>;
    for (const [method, def] of Object.entries(served)) {
      const hand = service === 'RuntimeService' ? LIST_DECODERS.get(method) : undefined;
      def.responseDeserialize = hand ?? protobufjsDecoder(svc, method);
    }
  }
}

function resolvedService(root: protobuf.Root, name: string): protobuf.Service {
  const svc = root.lookupService(name);
  svc.resolveAll();
  return svc;
}

function protobufjsDecoder(svc: protobuf.Service, method: string): (bytes: Buffer) => unknown {
  const type = svc.methods[method]?.resolvedResponseType;
  if (!type) throw new Error(`proto/cri/api.proto: ${svc.name}.${method} has no response type`);
  return (bytes) => type.decode(bytes);
}

/** A field missing from the proto is a mistake in this list, not something to skip quietly. */
function dropUnread(root: protobuf.Root, version: ApiVersion): void {
  for (const [message, fields] of Object.entries(UNREAD_FIELDS)) {
    const type = root.lookupType(`runtime.${version}.${message}`);
    for (const name of fields) {
      const field = type.fields[name];
      if (field === undefined) throw new Error(`proto/cri/api.proto: ${message} has no field ${name}`);
      type.remove(field);
    }
  }
}

/**
 * grpc-js client constructors for one CRI API version. The agent reads
 * through the 'reader' shape; 'full' decodes every field (tools and tests
 * that need what the agent ignores).
 */
export function loadCriPackage(version: ApiVersion, shape: ProtoShape = 'full'): CriPackage {
  return load(version, shape).pkg;
}

/** The raw package definition with every field, for servers (the simulated runtime). */
export function loadCriDefinition(version: ApiVersion): protoLoader.PackageDefinition {
  return load(version, 'full').definition;
}

/**
 * protobufjs's decoder of a RuntimeService answer in the 'reader' shape, as
 * the agent used it for every call before the list answers were hand-decoded:
 * the baseline those decoders are tested and measured against.
 */
export function readerProtobufjsDecoder(version: ApiVersion, method: string): (bytes: Buffer) => unknown {
  return protobufjsDecoder(resolvedService(load(version, 'reader').root, `runtime.${version}.RuntimeService`), method);
}
