// Docker behind cri-dockerd or dockershim. CRI gives no writable layer here
// (its stats name only Docker's root dir and its verbose info has no OCI
// spec), so each container is inspected once through the Docker Engine API:
// GraphDriver.Data names the overlay dirs and HostConfig.CgroupParent the
// cgroup. CRI container IDs are Docker container IDs under both shims.
import type { ContainerDetail } from '../cri/types.js';
import { parseEndpoint } from '../cri/endpoint.js';
import type { RuntimeAdapter } from './adapter.js';
import { cgroupPathFromInfo } from './cgroup-path.js';
import { Cooldown } from './cooldown.js';
import { DockerApiClient, DEFAULT_DOCKER_ENDPOINT } from './docker-api.js';
import { DockerApiError } from './docker-api-error.js';
import { parseInspect } from './docker-inspect.js';
import type { Enrichment } from './enrich.js';
import type { AdapterDeps } from './index.js';
import type { WritableLayer } from './writable-layer.js';

/** The daemon did not answer (down, socket missing, deadline passed). */
export const SOURCE_UNAVAILABLE = 'docker-api-unavailable';
/** The daemon answered something that is not a usable inspect document. */
export const SOURCE_BAD_ANSWER = 'docker-api-error';

/** How long the Engine API is left alone after it proved unreachable. */
const API_COOLDOWN_MS = 30_000;

export interface DockerAdapterOptions {
  readonly now?: () => number;
}

interface Context {
  readonly api: DockerApiClient;
  readonly cooldown: Cooldown;
}

export function dockerAdapter(deps: AdapterDeps, opts: DockerAdapterOptions = {}): RuntimeAdapter {
  const ctx: Context = {
    api: new DockerApiClient({ endpoint: deps.dockerEndpoint ?? parseEndpoint(DEFAULT_DOCKER_ENDPOINT), timeoutMs: deps.timeoutMs }),
    cooldown: new Cooldown(API_COOLDOWN_MS, opts.now),
  };
  return {
    type: 'docker',
    enrich: (detail) => enrich(detail, ctx),
    // cri-dockerd's stats name Docker's root dir, the same for every container.
    writableLayerFromStats: () => undefined,
    close: () => ctx.api.close(),
  };
}

/**
 * One inspect per container (the poller calls enrich once per ID and state,
 * and again only when asked to retry). Never throws: a failed inspect must
 * not cost the container its CRI data (log path, times), so it degrades to
 * what CRI gives, marked by source.
 */
async function enrich(detail: ContainerDetail, ctx: Context): Promise<Enrichment> {
  // What generic.ts gives (cri-dockerd's verbose info has no OCI spec, so usually no cgroup).
  const fromCri: Enrichment = { cgroupPath: cgroupPathFromInfo(detail.info) };
  // While the daemon is known to be unreachable, every new container would only wait out a deadline.
  if (!ctx.cooldown.open) return { ...fromCri, writableLayer: incomplete(SOURCE_UNAVAILABLE), retry: true };
  let doc: unknown;
  try {
    doc = await ctx.api.inspectContainer(detail.id);
  } catch (err) {
    return { ...fromCri, ...failed(err, ctx.cooldown) };
  }
  // 404: removed since CRI listed it; it leaves the listing on the next poll.
  if (doc === undefined) return fromCri;
  const inspected = parseInspect(doc, detail.id);
  if (inspected === undefined) return { ...fromCri, writableLayer: incomplete(SOURCE_BAD_ANSWER) };
  return { cgroupPath: inspected.cgroupPath || fromCri.cgroupPath, writableLayer: inspected.writableLayer };
}

/** An unreachable daemon or a server error may pass and is asked again later; a malformed answer is final. */
function failed(err: unknown, cooldown: Cooldown): Pick<Enrichment, 'writableLayer' | 'retry'> {
  const apiError = err instanceof DockerApiError ? err : undefined;
  if (apiError === undefined || apiError.kind === 'unavailable') {
    cooldown.trip();
    return { writableLayer: incomplete(SOURCE_UNAVAILABLE), retry: true };
  }
  return { writableLayer: incomplete(SOURCE_BAD_ANSWER), retry: (apiError.status ?? 0) >= 500 };
}

function incomplete(source: string): WritableLayer {
  return { mergedDir: '', upperDir: '', source, complete: false };
}
