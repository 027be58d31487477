// The fields of the three API objects the agent sends or reads, as plain
// JSON shapes. Not the generated models: those cost tens of MiB to load, and
// the agent touches a handful of fields. Everything read is optional, since
// it comes from the network.

export interface UserInfo {
  readonly username?: string;
  readonly uid?: string;
  readonly groups?: string[];
  readonly extra?: Record<string, string[]>;
}

/** authentication.k8s.io/v1 TokenReview. */
export interface TokenReview {
  readonly apiVersion: 'authentication.k8s.io/v1';
  readonly kind: 'TokenReview';
  readonly spec: { readonly token: string; readonly audiences?: string[] };
  readonly status?: {
    readonly authenticated?: boolean;
    readonly user?: UserInfo;
    readonly audiences?: string[];
    readonly error?: string;
  };
}

/** authorization.k8s.io/v1 SubjectAccessReview, for resource attributes only. */
export interface SubjectAccessReview {
  readonly apiVersion: 'authorization.k8s.io/v1';
  readonly kind: 'SubjectAccessReview';
  readonly spec: {
    readonly user?: string;
    readonly uid?: string;
    readonly groups?: string[];
    readonly extra?: Record<string, string[]>;
    readonly resourceAttributes?: {
      readonly group?: string;
      readonly version?: string;
      readonly resource?: string;
      readonly subresource?: string;
      readonly name?: string;
      readonly verb?: string;
    };
  };
  readonly status?: {
    readonly allowed?: boolean;
    readonly denied?: boolean;
    readonly reason?: string;
    readonly evaluationError?: string;
  };
}

/** core/v1 Node, only the part the runtime cross-check reads. */
export interface Node {
  readonly status?: { readonly nodeInfo?: { readonly containerRuntimeVersion?: string } };
}
