# syntax=docker/dockerfile:1
# One image per service, from the repository root:
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=triage --build-arg PORT=3102 -t complaints/triage .
# SERVICE: intake (3101) | triage (3102) | investigation (3103) | compensation (3104) | notification (3105)
#          | compliance-archive (3106). PORT is the port the service listens on inside the container.
#
# Container commands (working directory /app):
#   node dist/apps/<service>/main.js           serve (the default CMD)
#   node dist/apps/<service>/main.js migrate   apply the service's migrations and exit (e.g. a Kubernetes Job)
#   node dist/apps/<service>/main.js health    exit 0 when /health/live answers (the HEALTHCHECK)

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: the workspace's dependencies at the lockfile's versions (cached until a package.json or the lockfile changes)
FROM ${NODE_IMAGE} AS deps
WORKDIR /repo
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true CI=true
COPY package.json package-lock.json ./
COPY apps/intake/package.json apps/intake/
COPY apps/triage/package.json apps/triage/
COPY apps/investigation/package.json apps/investigation/
COPY apps/compensation/package.json apps/compensation/
COPY apps/notification/package.json apps/notification/
COPY apps/compliance-archive/package.json apps/compliance-archive/
COPY libs/classifier/package.json libs/classifier/
COPY libs/contracts/package.json libs/contracts/
COPY libs/domain/package.json libs/domain/
COPY libs/intake-adapters/package.json libs/intake-adapters/
COPY libs/messaging/package.json libs/messaging/
COPY libs/platform/package.json libs/platform/
COPY libs/taxonomy/package.json libs/taxonomy/
COPY libs/testing/package.json libs/testing/
# `npm install --no-save` from the lockfile rather than `npm ci`: the lockfile lists only the prebuilt SWC binaries
# the registry had (no darwin/win32 ones), and `npm ci` refuses it for that although nothing this image needs is
# missing (see ensureInstalled in tools/stack/platform.mjs). Install scripts (nx, @swc/core, @scarf/scarf) are not
# needed: the native SWC and Nx binaries come as optional dependencies.
RUN --mount=type=cache,target=/root/.npm npm install --no-save --ignore-scripts --no-audit --no-fund

# ---- build: `nx build <service>` writes dist/apps/<service>/ (code, data files, package.json, package-lock.json)
FROM deps AS build
ARG SERVICE
COPY . .
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<service>' >&2; exit 1; }; \
    npx nx build "${SERVICE}" --skip-nx-cache

# ---- runtime: only that service's production dependencies, run as the unprivileged `node` user
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG PORT
ARG VERSION=unknown
RUN test -n "${SERVICE}" && test -n "${PORT}" || { echo 'build with --build-arg SERVICE=<service> --build-arg PORT=<port>' >&2; exit 1; }
LABEL org.opencontainers.image.title="complaints-${SERVICE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    SERVICE=${SERVICE} \
    PORT=${PORT} \
    BIND_HOST=0.0.0.0 \
    ATTACHMENT_STORE_DIR=/var/lib/complaints/attachments \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=build /repo/dist/apps/${SERVICE}/package.json /repo/dist/apps/${SERVICE}/package-lock.json dist/apps/${SERVICE}/
# --ignore-scripts: the only production dependency with an install script is @scarf/scarf (download analytics).
# The archive renders dossiers with two weights of Noto Sans SC; the package's other seven (about 70 MB) go.
RUN --mount=type=cache,target=/root/.npm \
    cd "dist/apps/${SERVICE}" \
    && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && if [ -d node_modules/@expo-google-fonts/noto-sans-sc ]; then \
         find node_modules/@expo-google-fonts/noto-sans-sc -name '*.ttf' ! -name 'NotoSansSC_400Regular.ttf' ! -name 'NotoSansSC_700Bold.ttf' -delete; \
       fi \
    && mkdir -p /var/lib/complaints/attachments && chown -R node:node /var/lib/complaints
COPY --from=build /repo/dist/apps/${SERVICE}/ dist/apps/${SERVICE}/
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["sh", "-c", "exec node \"dist/apps/${SERVICE}/main.js\" health"]
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "exec node \"dist/apps/${SERVICE}/main.js\""]
