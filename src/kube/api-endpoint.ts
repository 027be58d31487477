// Where the API server is and how to prove who we are to it: what a
// kubeconfig or the pod's service account boils down to.
import { KubeSetupError } from './errors.js';

export interface ApiTls {
  /** PEM CA bundle; undefined means the system's CAs. */
  readonly ca?: Buffer;
  /** PEM client certificate and key, both or neither. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Name to send in SNI and to check the certificate against, instead of the host. */
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

export interface ApiEndpoint {
  /** `https://host:port`, possibly with a path prefix; also used in error messages. */
  readonly server: string;
  readonly tls: ApiTls;
  /**
   * The Authorization header value for the next request, or undefined for
   * none. Asked per request so that a rotated token file is picked up.
   */
  authorization(): string | undefined;
}

/** Host, port and path prefix of an https server URL; `where` names its source in errors. */
export function parseServer(server: string, where: string): { hostname: string; port: number; basePath: string } {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeSetupError(`${where}: server "${server}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new KubeSetupError(`${where}: server "${server}" is not https:// (only TLS connections to the API are supported)`);
  return {
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 443 : Number(url.port),
    // A proxy in front of several clusters (Rancher, say) serves each under a prefix.
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
