// Flags and environment → one frozen, validated Config. Every flag can also
// be set as CRI_EXPORTER_<FLAG>; the flag wins. Every error names the flag.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { type Endpoint, EndpointError, parseEndpoint } from './cri/endpoint.js';
import { parseDuration } from './duration.js';
import { type ApiVersion, API_VERSIONS } from './cri/types.js';

export const COMMANDS = ['serve', 'containers', 'version'] as const;
export type Command = (typeof COMMANDS)[number];
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const OUTPUTS = ['table', 'wide', 'json'] as const;
export type Output = (typeof OUTPUTS)[number];
export const AUTH_MODES = ['none', 'kubernetes'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
/** Go's names, as the kubelet's --tls-min-version takes them. */
export const TLS_VERSIONS = ['VersionTLS12', 'VersionTLS13'] as const;
export type TlsVersionName = (typeof TLS_VERSIONS)[number];
/** Where Kubernetes mounts a pod's service-account token. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface Config {
  readonly command: Command;
  readonly help: boolean;
  /** Undefined means: autodetect a local runtime socket at start. */
  readonly runtimeEndpoint?: Endpoint;
  readonly imageEndpoint?: Endpoint;
  readonly dockerEndpoint?: Endpoint;
  readonly listen: { readonly host: string; readonly port: number };
  readonly pollIntervalMs: number;
  readonly criTimeoutMs: number;
  readonly criMaxMessageBytes: number;
  /** 'auto' negotiates v1 first, then v1alpha2. */
  readonly criApiVersion: ApiVersion | 'auto';
  readonly nodeName: string;
  readonly demo: boolean;
  readonly demoPods: number;
  readonly removedGraceMs: number;
  readonly logLevel: LogLevel;
  readonly hostCgroupRoot: string;
  readonly hostProc: string;
  readonly output: Output;
  /** 'kubernetes': every request but the probes needs a bearer token the API server accepts and authorizes. */
  readonly auth: AuthMode;
  /** Whether auth was chosen by default (in a cluster) rather than set: logged at start. */
  readonly authDefaulted: boolean;
  /** Audiences a token must be valid for; empty means the API server's own. */
  readonly authAudiences: readonly string[];
  /** Kubeconfig file for the Kubernetes API; undefined means in-cluster config when in a cluster. */
  readonly kubeconfig?: string;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly tlsMinVersion: TlsVersionName;
  readonly maxConcurrentRequests: number;
  /** How long a client may take to send its request headers. */
  readonly httpHeaderTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly flag: string, message: string) {
    super(flag === '' ? message : `--${flag}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Kind = 'string' | 'boolean';
interface FlagSpec {
  readonly kind: Kind;
  readonly help: string;
  readonly default?: string;
}

/** Every flag the CLI accepts; the usage text is rendered from this table. */
export const FLAGS: Readonly<Record<string, FlagSpec>> = {
  'runtime-endpoint': { kind: 'string', help: 'CRI runtime endpoint: unix:///path, a bare path or tcp://host:port (default: first existing socket of containerd, cri-o, cri-dockerd, dockershim)' },
  'image-endpoint': { kind: 'string', help: 'CRI image service endpoint (default: the runtime endpoint)' },
  'docker-endpoint': { kind: 'string', help: 'Docker Engine API endpoint, used when the runtime is docker (default: unix:///var/run/docker.sock)' },
  listen: { kind: 'string', default: '0.0.0.0:9310', help: 'HTTP listen address host:port' },
  'poll-interval': { kind: 'string', default: '10s', help: 'how often the runtime is polled' },
  'cri-timeout': { kind: 'string', default: '5s', help: 'deadline of every CRI call' },
  'cri-max-message-size': { kind: 'string', default: '16777216', help: 'largest CRI response accepted, in bytes' },
  'cri-api-version': { kind: 'string', default: 'auto', help: 'CRI API version: auto (v1, falling back to v1alpha2), v1 or v1alpha2' },
  'node-name': { kind: 'string', help: 'node label value (default: $NODE_NAME, else the host name)' },
  demo: { kind: 'boolean', help: 'serve from an embedded simulated CRI runtime (zero setup)' },
  'demo-pods': { kind: 'string', default: '6', help: 'with --demo: number of simulated pods (two containers each)' },
  'removed-grace': { kind: 'string', default: '5m', help: 'how long an exited or removed container stays listed for log discovery' },
  'log-level': { kind: 'string', default: 'info', help: `log level: ${LOG_LEVELS.join('|')}` },
  'host-cgroup-root': { kind: 'string', default: '/sys/fs/cgroup', help: "where the host's cgroup filesystem is mounted" },
  'host-proc': { kind: 'string', default: '/proc', help: "where the host's /proc is mounted" },
  output: { kind: 'string', default: 'table', help: `containers command output: ${OUTPUTS.join('|')}` },
  auth: { kind: 'string', help: 'none|kubernetes: check bearer tokens with TokenReview and SubjectAccessReview (default: kubernetes in a cluster, else none)' },
  'auth-audiences': { kind: 'string', help: 'comma-separated audiences a token must be issued for (default: the API server\'s)' },
  kubeconfig: { kind: 'string', help: 'kubeconfig for the Kubernetes API (default: in-cluster service account)' },
  'tls-cert-file': { kind: 'string', help: 'serve HTTPS with this PEM certificate (chain); reloaded when it changes' },
  'tls-key-file': { kind: 'string', help: 'PEM private key of --tls-cert-file' },
  'tls-min-version': { kind: 'string', default: 'VersionTLS12', help: `lowest TLS version accepted: ${TLS_VERSIONS.join('|')}` },
  'max-concurrent-requests': { kind: 'string', default: '64', help: 'requests served at once; more are answered 503' },
  'http-header-timeout': { kind: 'string', default: '10s', help: 'how long a client may take to send its request headers' },
  help: { kind: 'boolean', help: 'show this help' },
};

export type Env = Readonly<Record<string, string | undefined>>;

export function envName(flag: string): string {
  return `CRI_EXPORTER_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/** Parses argv (without node and script) and env into a Config, or throws ConfigError. */
export function loadConfig(argv: readonly string[], env: Env = process.env): Config {
  const { command, rest } = splitCommand(argv);
  const values = parseFlags(rest);
  const get = (flag: string): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    if (v === true) return 'true';
    return env[envName(flag)] ?? FLAGS[flag]?.default;
  };
  return Object.freeze(buildConfig(command, get, env));
}

function splitCommand(argv: readonly string[]): { command: Command; rest: string[] } {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) return { command: 'serve', rest: [...argv] };
  if ((COMMANDS as readonly string[]).includes(first)) return { command: first as Command, rest: argv.slice(1) };
  throw new ConfigError('', `unknown command "${first}"; commands: ${COMMANDS.join(', ')} (see --help)`);
}

function parseFlags(args: string[]): Record<string, string | boolean | undefined> {
  const options = Object.fromEntries(Object.entries(FLAGS).map(([name, spec]) => [name, { type: spec.kind }]));
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new ConfigError('', `${(err as Error).message.split('\n')[0]} (see --help)`);
  }
}

function buildConfig(command: Command, get: (flag: string) => string | undefined, env: Env): Config {
  return {
    command,
    help: parseBool('help', get('help')),
    runtimeEndpoint: optionalEndpoint('runtime-endpoint', get('runtime-endpoint')),
    imageEndpoint: optionalEndpoint('image-endpoint', get('image-endpoint')),
    dockerEndpoint: optionalEndpoint('docker-endpoint', get('docker-endpoint')),
    listen: parseListen(get('listen') as string),
    pollIntervalMs: durationFlag('poll-interval', get('poll-interval'), 100),
    criTimeoutMs: durationFlag('cri-timeout', get('cri-timeout'), 10),
    criMaxMessageBytes: integerFlag('cri-max-message-size', get('cri-max-message-size'), 4096, 2 ** 31 - 1),
    criApiVersion: oneOf('cri-api-version', get('cri-api-version'), ['auto', ...API_VERSIONS]),
    nodeName: get('node-name') ?? env.NODE_NAME ?? hostname(),
    demo: parseBool('demo', get('demo')),
    demoPods: integerFlag('demo-pods', get('demo-pods'), 0, 100_000),
    removedGraceMs: durationFlag('removed-grace', get('removed-grace'), 0),
    logLevel: oneOf('log-level', get('log-level'), LOG_LEVELS),
    hostCgroupRoot: get('host-cgroup-root') as string,
    hostProc: get('host-proc') as string,
    output: oneOf('output', get('output'), OUTPUTS),
    ...accessConfig(get, env),
    maxConcurrentRequests: integerFlag('max-concurrent-requests', get('max-concurrent-requests'), 1, 100_000),
    httpHeaderTimeoutMs: durationFlag('http-header-timeout', get('http-header-timeout'), 100),
  };
}

type AccessConfig = Pick<Config, 'auth' | 'authDefaulted' | 'authAudiences' | 'kubeconfig' | 'tls' | 'tlsMinVersion'>;

function accessConfig(get: (flag: string) => string | undefined, env: Env): AccessConfig {
  const chosen = get('auth');
  const auth = chosen === undefined || chosen === '' ? (inCluster(env) ? 'kubernetes' : 'none') : oneOf('auth', chosen, AUTH_MODES);
  const audiences = (get('auth-audiences') ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
  return {
    auth,
    authDefaulted: chosen === undefined || chosen === '',
    authAudiences: audiences,
    kubeconfig: get('kubeconfig') || undefined,
    tls: tlsFiles(get('tls-cert-file'), get('tls-key-file')),
    tlsMinVersion: oneOf('tls-min-version', get('tls-min-version'), TLS_VERSIONS),
  };
}

/** The kubelet's rule for "running in a pod": the service host variable and a mounted token. */
export function inCluster(env: Env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(SERVICE_ACCOUNT_TOKEN);
}

function tlsFiles(certFile: string | undefined, keyFile: string | undefined): Config['tls'] {
  if (!certFile && !keyFile) return undefined;
  if (!certFile) throw new ConfigError('tls-cert-file', 'is required with --tls-key-file');
  if (!keyFile) throw new ConfigError('tls-key-file', 'is required with --tls-cert-file');
  return { certFile, keyFile };
}

function optionalEndpoint(flag: string, value: string | undefined): Endpoint | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return parseEndpoint(value);
  } catch (err) {
    if (err instanceof EndpointError) throw new ConfigError(flag, err.message);
    throw err;
  }
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new ConfigError('listen', `"${value}" is not host:port (for example 0.0.0.0:9310 or :9310)`);
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function durationFlag(flag: string, value: string | undefined, minMs: number): number {
  const ms = parseDuration(value ?? '');
  if (ms === undefined) throw new ConfigError(flag, `"${value}" is not a duration (for example 500ms, 10s, 5m, 1h)`);
  if (ms < minMs) throw new ConfigError(flag, `${value} is too short (minimum ${minMs}ms)`);
  return ms;
}

function integerFlag(flag: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new ConfigError(flag, `"${value}" is not a whole number from ${min} to ${max}`);
  }
  return n;
}

function parseBool(flag: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ConfigError(flag, `"${value}" is not true or false`);
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(flag, `"${value}" is not one of ${allowed.join(', ')}`);
}

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, spec]) => {
    const left = `  --${name}${spec.kind === 'string' ? ' <value>' : ''}`;
    const def = spec.default === undefined ? '' : ` (default ${spec.default})`;
    return `${left.padEnd(34)} ${spec.help}${def}`;
  });
  return [
    'Usage: cri-exporter [serve|containers|version] [flags]',
    '',
    '  serve        run the agent (default)',
    '  containers   list this node\'s containers with log path and writable layer',
    '  version      print the version',
    '',
    'Flags (each also settable as CRI_EXPORTER_<FLAG>, e.g. CRI_EXPORTER_POLL_INTERVAL; the flag wins):',
    ...lines,
    '',
  ].join('\n');
}
