import { status as GrpcStatus } from '@grpc/grpc-js';

/** A failed CRI call, naming the method, the endpoint and the gRPC code. */
export class CriCallError extends Error {
  constructor(
    readonly method: string,
    readonly endpoint: string,
    /** gRPC status name, e.g. UNAVAILABLE, DEADLINE_EXCEEDED. */
    readonly code: string,
    detail: string,
  ) {
    super(`CRI ${method} on ${endpoint} failed: ${code}: ${detail}`);
    this.name = 'CriCallError';
  }

  get unavailable(): boolean {
    return this.code === 'UNAVAILABLE';
  }
}

export function grpcCodeName(code: number | undefined): string {
  if (code === undefined) return 'UNKNOWN';
  return (GrpcStatus as unknown as Record<number, string>)[code] ?? `CODE_${code}`;
}

/**
 * An answer whose bytes are not valid protobuf for its message. Thrown inside
 * grpc-js's response deserializer, which ends the call with INTERNAL and puts
 * this message in the status details.
 */
export class MalformedAnswerError extends Error {
  constructor(
    /** What was being decoded, e.g. "ListContainers answer". */
    readonly what: string,
    readonly reason: string,
    /** Byte offset into the answer where decoding stopped. */
    readonly offset: number,
  ) {
    super(`${what}: ${reason} at byte ${offset}`);
    this.name = 'MalformedAnswerError';
  }
}
