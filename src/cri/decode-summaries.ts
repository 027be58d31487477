// ListContainers and ListPodSandbox rows, from wire bytes straight to the
// domain types. Each reader yields exactly what convert.ts makes of the
// message protobufjs decodes with the agent's 'reader' proto, so these
// mirror protobufjs where it differs from the protobuf spec: a singular
// message field that arrives twice replaces the first (the spec merges).
import { readLabel, readStringField } from './decode-common.js';
import type { ContainerState, ContainerSummary, PodSandbox, SandboxState } from './types.js';
import { FIELDS } from './wire-fields.js';
import { fieldMask, LEN, tagOf, VARINT, type WireReader } from './wire-reader.js';

// Enum values by number, as convert.ts maps them; any other number is 'unknown'.
const CONTAINER_STATES: readonly ContainerState[] = ['created', 'running', 'exited', 'unknown'];

function containerState(n: number): ContainerState {
  return n >= 0 && n < CONTAINER_STATES.length ? CONTAINER_STATES[n] as ContainerState : 'unknown';
}

function sandboxState(n: number): SandboxState {
  return n === 0 ? 'ready' : 'notready';
}

const C = FIELDS.Container;
const C_ID = tagOf(C.id, LEN);
const C_SANDBOX = tagOf(C.podSandboxId, LEN);
const C_METADATA = tagOf(C.metadata, LEN);
const C_IMAGE = tagOf(C.image, LEN);
const C_IMAGE_REF = tagOf(C.imageRef, LEN);
const C_STATE = tagOf(C.state, VARINT);
const C_CREATED = tagOf(C.createdAt, VARINT);
const C_LABELS = tagOf(C.labels, LEN);
const C_READ = fieldMask(C.id, C.podSandboxId, C.metadata, C.image, C.imageRef, C.state, C.createdAt, C.labels);

export function readContainer(r: WireReader, end: number): ContainerSummary {
  let id = '';
  let sandboxId = '';
  let name = '';
  let attempt = 0;
  let image = '';
  let imageRef = '';
  let state = 0;
  let createdAt = 0;
  const labels: Record<string, string> = {};
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case C_ID: id = r.string(); break;
      case C_SANDBOX: sandboxId = r.string(); break;
      case C_METADATA: ({ name, attempt } = readContainerMetadata(r, r.end())); break;
      case C_IMAGE: image = readStringField(r, r.end(), FIELDS.ImageSpec.image); break;
      case C_IMAGE_REF: imageRef = r.string(); break;
      case C_STATE: state = r.int32(); break;
      case C_CREATED: createdAt = r.int64(); break;
      case C_LABELS: readLabel(r, r.end(), labels); break;
      default: r.skip(tag, C_READ);
    }
  }
  r.finish(end);
  return {
    id, sandboxId, name, attempt, image, imageRef, state: containerState(state), createdAt: createdAt / 1e9, labels,
  };
}

const CM = FIELDS.ContainerMetadata;
const CM_NAME = tagOf(CM.name, LEN);
const CM_ATTEMPT = tagOf(CM.attempt, VARINT);
const CM_READ = fieldMask(CM.name, CM.attempt);

function readContainerMetadata(r: WireReader, end: number): { name: string; attempt: number } {
  let name = '';
  let attempt = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === CM_NAME) name = r.string();
    else if (tag === CM_ATTEMPT) attempt = r.uint32();
    else r.skip(tag, CM_READ);
  }
  r.finish(end);
  return { name, attempt };
}

const S = FIELDS.PodSandbox;
const S_ID = tagOf(S.id, LEN);
const S_METADATA = tagOf(S.metadata, LEN);
const S_STATE = tagOf(S.state, VARINT);
const S_CREATED = tagOf(S.createdAt, VARINT);
const S_LABELS = tagOf(S.labels, LEN);
const S_HANDLER = tagOf(S.runtimeHandler, LEN);
const S_READ = fieldMask(S.id, S.metadata, S.state, S.createdAt, S.labels, S.runtimeHandler);

export function readPodSandbox(r: WireReader, end: number): PodSandbox {
  let id = '';
  let name = '';
  let namespace = '';
  let uid = '';
  let attempt = 0;
  let state = 0;
  let createdAt = 0;
  let runtimeHandler = '';
  const labels: Record<string, string> = {};
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case S_ID: id = r.string(); break;
      case S_METADATA: ({ name, namespace, uid, attempt } = readPodSandboxMetadata(r, r.end())); break;
      case S_STATE: state = r.int32(); break;
      case S_CREATED: createdAt = r.int64(); break;
      case S_LABELS: readLabel(r, r.end(), labels); break;
      case S_HANDLER: runtimeHandler = r.string(); break;
      default: r.skip(tag, S_READ);
    }
  }
  r.finish(end);
  return {
    id, name, namespace, uid, attempt, state: sandboxState(state), createdAt: createdAt / 1e9, labels, runtimeHandler,
  };
}

const SM = FIELDS.PodSandboxMetadata;
const SM_NAME = tagOf(SM.name, LEN);
const SM_UID = tagOf(SM.uid, LEN);
const SM_NAMESPACE = tagOf(SM.namespace, LEN);
const SM_ATTEMPT = tagOf(SM.attempt, VARINT);
const SM_READ = fieldMask(SM.name, SM.uid, SM.namespace, SM.attempt);

function readPodSandboxMetadata(r: WireReader, end: number): { name: string; namespace: string; uid: string; attempt: number } {
  let name = '';
  let namespace = '';
  let uid = '';
  let attempt = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case SM_NAME: name = r.string(); break;
      case SM_UID: uid = r.string(); break;
      case SM_NAMESPACE: namespace = r.string(); break;
      case SM_ATTEMPT: attempt = r.uint32(); break;
      default: r.skip(tag, SM_READ);
    }
  }
  r.finish(end);
  return { name, namespace, uid, attempt };
}
