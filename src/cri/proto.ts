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

const cache = new Map<ApiVersion, { definition: protoLoader.PackageDefinition; pkg: CriPackage }>();

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

function load(version: ApiVersion): { definition: protoLoader.PackageDefinition; pkg: CriPackage } {
  const hit = cache.get(version);
  if (hit) return hit;
  const source = readFileSync(join(protoDir(), 'cri', 'api.proto'), 'utf8');
  const rewritten = source.replace(/^package runtime\.v1;/m, `package runtime.${version};`);
  const root = protobuf.parse(rewritten, { keepCase: false }).root;
  const definition = protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { runtime: Record<string, CriPackage> };
  const pkg = loaded.runtime[version];
  if (!pkg) throw new Error(`proto/cri/api.proto does not define package runtime.${version}`);
  const entry = { definition, pkg };
  cache.set(version, entry);
  return entry;
}

/** grpc-js client constructors for one CRI API version. */
export function loadCriPackage(version: ApiVersion): CriPackage {
  return load(version).pkg;
}

/** The raw package definition, for servers (the simulated runtime). */
export function loadCriDefinition(version: ApiVersion): protoLoader.PackageDefinition {
  return load(version).definition;
}
