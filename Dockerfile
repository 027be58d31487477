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
# glibc hands buffers of 64 KiB and more straight back to the kernel when
# they are freed. Its default raises that threshold to the largest buffer
# freed so far, so after the first poll every answer and exposition buffer
# (up to megabytes) came from, and stayed in, its heap: RSS 114-116 MiB
# instead of 121-144 at 1000 containers, ~2-3 MiB less at 110 pods. At
# 128 KiB the 64 KiB socket reads of each answer still came from its heap,
# among long-lived small blocks, and the heap grew for an hour (RSS 117 ->
# 130 MiB at 10 s polls); at 64 KiB it held (116-120 over 40 minutes; see
# docs/benchmarks.md).
ENV MALLOC_MMAP_THRESHOLD_=65536
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
# the pod's RSS) swell by tens of MiB between collections. See
# docs/benchmarks.md for what it costs and saves.
ENTRYPOINT ["node", "--max-semi-space-size=1", "dist/src/main.js"]
