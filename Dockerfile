# syntax=docker/dockerfile:1
# universal-calendar: build the TypeScript once, ship compiled JavaScript with production dependencies only.

# --- build: every dependency, then `npm run build` (tsc into dist/, the console bundle into dist/console)
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
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
CMD ["node", "--enable-source-maps", "--max-semi-space-size=8", "dist/src/main.js"]
