# Container image of cri-exporter. Build and push it to your own registry:
#
#   docker build -t <your-registry>/cri-exporter:0.1.0 .
#   docker push <your-registry>/cri-exporter:0.1.0
#
# Three stages: `build` compiles TypeScript with the dev dependencies,
# `deps` installs the production dependencies alone, and the final stage
# holds only node, those dependencies, the compiled program and the .proto
# files it loads at run time. No HEALTHCHECK: Kubernetes probes /healthz and
# /readyz (see deploy/ and helm/).

# One Node.js LTS release, pinned to the patch, for every stage.
ARG NODE_IMAGE=node:24.20.0-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# jemalloc instead of glibc's malloc. Each poll's answers arrive as
# hundreds of short-lived 8-64 KiB buffers (HTTP/2 frames, zlib output)
# among long-lived small ones, and glibc's main heap fragmented around them
# and never shrank: polled every 500 ms at 1000 containers it grew from ~16
# to ~76 MiB in 15 minutes (RSS ~120 -> ~190 MiB, still rising), while with
# jemalloc RSS held at 116-128 MiB between collections. One arena (the
# agent allocates from one thread), and no per-thread caches: Node's
# threads each kept freed blocks of their own, ~4-6 MiB of RSS at 150
# containers side by side, for no CPU per poll that could be told from
# noise. Freed pages go back after a second.
# No background_thread: with it any process of the image that changes its
# user (setpriv, su) aborts. The package is the base image's Debian
# release's; the library is preloaded by name, so one line serves every
# architecture, and a missing one only makes the loader warn. See
# docs/benchmarks.md.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libjemalloc2 \
 && rm -rf /var/lib/apt/lists/*
ENV LD_PRELOAD=libjemalloc.so.2
ENV MALLOC_CONF=narenas:1,tcache:false,dirty_decay_ms:1000,muzzy_decay_ms:0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY package.json ./
COPY proto ./proto
# A numeric user that owns nothing on the host (65532, the usual "nonroot"),
# so Kubernetes can enforce runAsNonRoot. Reaching a root-owned CRI socket
# needs its group (supplementalGroups) or runAsUser: 0; see deploy/README.md.
USER 65532:65532
EXPOSE 9310
# A young generation of 1 MiB semi-spaces instead of V8's 16: the agent's
# garbage is per poll and short-lived, and the default lets the heap (and so
# the pod's RSS) swell by tens of MiB between collections.
# The old generation may grow to 1.5x what survived the last full collection
# before the next: V8 picks the factor itself, up to ~4x after a collection
# that looked cheap, and then let a heap of 30 MiB reach 60 (RSS ~185 MiB
# at 1000 containers polled every 500 ms, against a median of ~115). 1.5x
# bounds those peaks (RSS at most ~127 MiB) for as many full collections as
# before; 1.3x would hold ~120 at +10-50 % CPU per poll. See
# docs/benchmarks.md for what each costs and saves.
ENTRYPOINT ["node", "--max-semi-space-size=1", "--heap-growing-percent=50", "dist/src/main.js"]
