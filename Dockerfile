# syntax=docker/dockerfile:1
# universal-calendar: build the TypeScript once, ship compiled JavaScript with production dependencies only.

# --- build: every dependency, then `npm run build` (tsc into dist/, the console bundle into dist/console,
# the native addon into dist/build)
FROM node:24-slim AS build
# node-gyp builds the AES-256-GCM addon (native/) during npm ci: python3, make and a C compiler.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json binding.gyp ./
COPY native ./native
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gen ./gen
COPY migrations ./migrations
COPY src ./src
COPY web ./web
RUN npm run build

# --- runtime: production dependencies (embedded PostgreSQL's optional server binaries left out:
# production sets DATABASE_URL), the compiled service, a non-root user
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    PORT=3901 \
    HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts \
    && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3901
# node:24-slim has no curl: Node's own fetch asks /readyz (200 SERVING only while the database answers).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1 and handles SIGTERM itself: it stops accepting, finishes in-flight calls and jobs, then exits 0.
# The same flags as `npm start` (package.json; why: docs/runtime.md, "Memory").
CMD ["node", "--enable-source-maps", "--max-semi-space-size=8", "--max-old-space-size=2047", "--heap-growing-percent=100", "--no-allocation-site-pretenuring", "dist/src/main.js"]
