# SPDX-License-Identifier: Apache-2.0
# Freezer API image. Two stages: "build" compiles the TypeScript with every dependency; the runtime
# stage holds only the production dependencies and the compiled dist/ (migrations included, as
# dist/migrations, which dist/src imports).
#
#   docker build -t freezer-api .
#   docker run --init -p 9090:9090 --env-file freezer.env freezer-api   (DATABASE_URL, KEYSTONE_*)
#   docker run --rm --env-file freezer.env -v "$PWD:/out" freezer-api \
#     node dist/src/import/cli.js --from <original's database URL> --refused /out/refused.jsonl
#                                      (import an original freezer-api: README, "Migrating from freezer-api")
#
# BASE_IMAGE is any Debian-based image with Node.js 24 LTS (or 20) and npm; the official Node 24 one by
# default.
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so that a source change reuses the cached npm ci layer. (No RUN --mount
# cache for npm: the classic builder, still the default of Debian's docker.io, rejects it.)
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="freezer-api" \
      org.opencontainers.image.description="OpenStack Freezer API: backup metadata and job scheduling service" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional as well: typescript is an optional peer of @nestjs/swagger (for its compiler
# plugin), so --omit=dev alone would keep the compiler; the only other optional package is
# pg-cloudflare, for Cloudflare Workers.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund \
    && npm cache clean --force \
    && groupadd --system --gid 10001 freezer \
    && useradd --system --uid 10001 --gid freezer --home-dir /var/lib/freezer-api --no-create-home \
       --shell /usr/sbin/nologin freezer \
    && mkdir -p /var/lib/freezer-api \
    && chown freezer:freezer /var/lib/freezer-api
COPY --from=build /app/dist ./dist

# Listen on every interface: the container's network is the boundary. Because of that the image
# authenticates with Keystone by default and refuses to start until the KEYSTONE_* settings are
# given; set AUTH_MODE=trusted-headers behind an authenticating proxy, or AUTH_MODE=noauth with
# ALLOW_INSECURE_NOAUTH=true for a local trial. Without DATABASE_URL the embedded database keeps
# its files in FREEZER_DATA_DIR: mount a volume there.
ENV HOST=0.0.0.0 \
    PORT=9090 \
    AUTH_MODE=keystone \
    FREEZER_DATA_DIR=/var/lib/freezer-api

# Numeric, so that a runtime enforcing "run as non-root" can check it without reading /etc/passwd.
USER 10001:10001
EXPOSE 9090

# Liveness only (/healthcheck never touches the database); Node's fetch, as the image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 9090) + '/healthcheck', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The service drains in-flight requests and closes its database pool on SIGTERM, then exits 0.
STOPSIGNAL SIGTERM
# --max-semi-space-size: see src/cluster/heap-flags.ts (Node 24 would let one process grow past 300 MB)
CMD ["node", "--max-semi-space-size=16", "dist/src/main.js"]
