// The hand-written decoders number their fields by src/cri/wire-fields.ts;
// this holds every number there to proto/cri/api.proto, under both package
// names the agent speaks, and the map entries to protobuf's map encoding.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import protobuf from 'protobufjs';
import { protoDir } from '../../src/cri/proto.js';
import { API_VERSIONS } from '../../src/cri/types.js';
import { FIELDS } from '../../src/cri/wire-fields.js';

const source = readFileSync(join(protoDir(), 'cri', 'api.proto'), 'utf8');

for (const version of API_VERSIONS) {
  it(`every field number the decoders read is the one proto/cri/api.proto gives, as runtime.${version}`, () => {
    const root = protobuf.parse(source.replace(/^package runtime\.v1;/m, `package runtime.${version};`), { keepCase: false }).root;
    let checked = 0;
    for (const [message, fields] of Object.entries(FIELDS)) {
      if (message === 'MapEntry') continue;
      const type = root.lookupType(`runtime.${version}.${message}`);
      for (const [name, id] of Object.entries(fields)) {
        const field = type.fields[name];
        assert.ok(field, `${message} has no field ${name}`);
        assert.equal(field.id, id, `${message}.${name}`);
        checked++;
      }
    }
    assert.ok(checked >= 50, `checked ${checked} fields`);
  });
}

it('map entries are encoded as key FIELDS.MapEntry.key, value FIELDS.MapEntry.value', () => {
  const root = protobuf.parse(source, { keepCase: false }).root;
  const sandbox = root.lookupType('runtime.v1.PodSandbox');
  const bytes = Buffer.from(sandbox.encode(sandbox.fromObject({ labels: { k: 'v' } })).finish());
  const { key, value } = FIELDS.MapEntry;
  const entry = Buffer.from([(key << 3) | 2, 1, 0x6b, (value << 3) | 2, 1, 0x76]);
  assert.deepEqual(bytes, Buffer.concat([Buffer.from([(FIELDS.PodSandbox.labels << 3) | 2, entry.length]), entry]));
});

it('both attribute messages number their id alike (the decoders share one reader for them)', () => {
  assert.equal(FIELDS.ContainerAttributes.id, FIELDS.PodSandboxAttributes.id);
});
