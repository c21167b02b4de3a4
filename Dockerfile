# aisre image: Node 24 runs the TypeScript sources directly (type stripping), so there is no build
# step; the first stage only installs the production dependencies.
#
#   docker build -t aisre .            (or podman build)
#   docker run -p 3000:3000 -p 3001:3001 aisre          # the whole product on its sandbox
#
# Where no image registry is reachable, deploy/image/local-base.sh makes a local Node 24 base from
# Debian's packages: podman build --build-arg NODE_IMAGE=localhost/node:24-slim -t aisre .
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --omit=optional: the npm `node` package (the project's own Node 24 for machines without one) is
# not needed on a Node 24 base. That also leaves out resvg's prebuilt binary (an optional
# dependency per platform), which draws the thread charts: it is added back by name for this
# image's architecture (glibc), at the version the lockfile pins. No install scripts run. Behind a
# TLS-intercepting proxy, pass its CA bundle as a build secret: --secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_bundle; fi; \
    npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && resvg="@resvg/resvg-js-linux-$(node -p process.arch)-gnu@$(node -p "require('./package-lock.json').packages['node_modules/@resvg/resvg-js'].version")" \
 && npm install --no-save --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund "$resvg" \
 && node -e "require('@resvg/resvg-js')" \
 && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    AISRE_DATA_DIR=/data \
    AISRE_RUNBOOKS_DIR=/app/runbooks \
    PORT=3000 \
    SANDBOX_PORT=3001 \
    LOG_FORMAT=json \
    GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072 \
    NODE_COMPILE_CACHE=/tmp/node-compile-cache
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY handlers ./handlers
COPY blocks ./blocks
COPY runbooks ./runbooks
COPY manifest.yml policy.example.yaml ./
# The migrated embedded-database template (node_modules/.cache/aisre): a first start without
# DATABASE_URL copies it instead of creating its database (initdb and the migrations, seconds).
RUN node bin/aisre.mjs prepare
# Everything the process writes lives in /data (PGlite and the sandbox, only without DATABASE_URL)
# and /tmp: the root filesystem can be mounted read-only. Numeric non-root user, so Kubernetes'
# runAsNonRoot can check it.
# The compile cache (NODE_COMPILE_CACHE) was written by root in the step above: the runtime user owns
# it, or Node turns it off without a word. Under a read-only root filesystem /tmp is a mount of its own.
RUN mkdir -p /data /tmp/node-compile-cache && chown -R 10001:10001 /data /tmp/node-compile-cache
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000 3001
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=20", "--liftoff-only", "handlers/main.ts"]
