# The Users API as a container image: built in one stage, run from a slim one as a non-root user.
# Not built or run by this project's CI (its machines have no container engine); the suite lints
# this file with hadolint (test/contract/shipped-files.test.ts) and checks compose.yaml's settings.
# Build: docker build -t users-api .   Run: see compose.yaml (the service needs MONGODB_URI, and
# API_TOKENS or a JWT provider, since it listens on 0.0.0.0 here).

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY clients/typescript/package.json clients/typescript/
# The optional dependency is a Node binary for npm scripts on a bare machine: the image has Node.
RUN npm ci --no-audit --no-fund --omit=optional --ignore-scripts
COPY . .
RUN npm run build --silent \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM node:24.21.0-bookworm-slim
# MALLOC_ARENA_MAX: npm run serve's environment (src/runtime-flags.ts); `docker run -e` overrides it.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=5000 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/openapi/openapi.yaml ./openapi/openapi.yaml
COPY --from=build /app/clients/typescript/package.json ./clients/typescript/package.json
# The image's unprivileged "node" user, by number (DL3066: a name may not resolve on the host).
# The files above stay root's: the running service cannot change its own code.
USER 1000:1000
EXPOSE 5000
# Ready, not just alive: the orchestrator sends traffic once the database answers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# npm run serve's flags (src/runtime-flags.ts), without npm in the way of signals: SIGTERM reaches
# the server, which drains and stops within SHUTDOWN_GRACE_MS.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "--no-maglev", "--no-allocation-site-pretenuring", "dist/src/server.js"]
