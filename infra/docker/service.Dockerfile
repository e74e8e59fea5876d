# One image recipe for the five services of the control plane.
#
# Build from the repository root (the build context is the whole monorepo):
#
#   docker build -f infra/docker/service.Dockerfile --build-arg SERVICE=gateway -t pn-gateway .
#
# SERVICE is one of: gateway | resources | ipam | dns | billing.
# BuildKit (the default builder since Docker 23, and what Compose v2 uses)
# reads service.Dockerfile.dockerignore next to this file, which keeps
# node_modules, dist, .nx and .git out of the build context. The legacy builder
# ignores that file: it builds the same image from a larger upload.
#
# NODE_IMAGE lets a registry mirror stand in for Docker Hub's node image, e.g.
#   --build-arg NODE_IMAGE=mirror.example.com/library/node:24-bookworm-slim

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------
# manifests: only the workspace package.json files. The install layer below
# depends on them and the lock file alone, so editing source does not
# re-download the dependencies.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY libs ./libs
COPY services ./services
RUN find libs services -type f ! -name package.json -delete \
 && find libs services -depth -type d -empty -delete

# ---------------------------------------------------------------------------
# build: every dependency (dev ones too: typescript, nx, node-gyp), then all
# projects. python3, make and g++ let node-gyp build the dns server's batched-UDP
# addon against this image's own Node headers (/usr/local/include/node); without
# them the build goes on and dns serves UDP on dgram (see docs/dns.md).
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true \
    NX_SKIP_NX_CACHE=true \
    XDG_CACHE_HOME=/tmp/.cache
COPY package.json package-lock.json nx.json tsconfig.base.json ./
COPY --from=manifests /app/ ./
# `npm ci` installs exactly the lock. A registry that lacks some platforms'
# optional binaries (nx, swc and buf ship one package per platform) makes
# `npm ci` refuse the lock; `npm install` then installs the same locked
# versions without that check (the repository's own scripts do the same).
# `npm ls` afterwards: an npm that dies on a network error may still exit 0.
RUN set -e; \
    if npm ci --no-audit --no-fund && npm ls --depth=0 >/dev/null; then :; else \
      echo "npm ci failed or refused the lock; retrying with npm install" >&2; \
      npm install --no-audit --no-fund; \
      npm ls --depth=0 >/dev/null; \
    fi
COPY proto ./proto
COPY libs ./libs
COPY services ./services
# Stale dist folders (a builder that ignores the .dockerignore) go first.
RUN rm -rf libs/*/*/dist services/*/dist \
 && npx nx run-many -t build --outputStyle=stream

# ---------------------------------------------------------------------------
# pruned: the same tree without dev dependencies. Workspace packages stay in
# node_modules/@pn/* as relative symlinks (../../libs/..., ../../services/...),
# so they keep resolving to their dist folders wherever /app is copied whole.
FROM build AS pruned
RUN npm prune --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------
# assemble: what one service needs at run time, under /out:
#   package.json, node_modules (production), libs/*/*/{package.json,dist},
#   native addons (libs/*/*/build/Release/*.node), services/$SERVICE/{package.json,dist}.
# Links of @pn packages that are left out (the other services, test-support)
# would dangle, so they are removed.
FROM pruned AS assemble
ARG SERVICE
RUN case "${SERVICE}" in \
      gateway|resources|ipam|dns|billing) ;; \
      *) echo "build arg SERVICE must be one of gateway, resources, ipam, dns, billing (got '${SERVICE}')" >&2; exit 1 ;; \
    esac \
 && mkdir -p /out \
 && cp -a package.json node_modules /out/ \
 && for dir in libs/*/* "services/${SERVICE}"; do \
      [ "$dir" = libs/shared/test-support ] && continue; \
      mkdir -p "/out/$dir" && cp -a "$dir/package.json" "$dir/dist" "/out/$dir/"; \
      if ls "$dir"/build/Release/*.node >/dev/null 2>&1; then \
        mkdir -p "/out/$dir/build/Release" && cp -a "$dir"/build/Release/*.node "/out/$dir/build/Release/"; \
      fi; \
    done \
 && find /out/node_modules -xtype l -delete \
 && test -f "/out/services/${SERVICE}/dist/main.js"

# ---------------------------------------------------------------------------
# runtime: Node and the assembled tree, owned by root and run by `node`.
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app
COPY --from=assemble /out/ ./
USER node
# gateway listens on GATEWAY_PORT (8080/tcp), dns on DNS_PORT (5353/udp+tcp);
# the other services talk to NATS only. Set GATEWAY_HOST / DNS_HOST to 0.0.0.0
# in a container (the defaults are loopback).
# `exec` replaces the shell with node, so node itself receives SIGTERM and
# Nest's shutdown hooks drain the NATS subscriptions.
CMD ["sh", "-c", "exec node \"services/${SERVICE}/dist/main.js\""]
