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
