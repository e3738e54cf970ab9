# syntax=docker/dockerfile:1
# Cairn node image: `docker build -t cairn .` at the repository root.
#
#   docker run -p 8090:8090 -v cairn-home:/var/cairn \
#     -e CAIRN_ADMIN_USER=admin -e CAIRN_ADMIN_PASSWORD=change-me cairn
#
# The image runs `cairn serve` as an unprivileged user with its home in /var/cairn (settings file,
# embedded SQLite when no CAIRN_DATABASE_URL is given). Nodes of a cluster share the database
# (CAIRN_DATABASE_URL) and the blob store: mount one shared volume at /var/cairn/shared (the default
# blob store is /var/cairn/shared/blobs) or set CAIRN_BLOB_STORE=s3://bucket/prefix.
# Settings: docs/operations.md.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
# The registry and target caches survive between builds (BuildKit); the binary is copied out of
# the cache mount so that the next stage can see it.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p cairn \
 && install -D -m 0755 target/release/cairn /out/cairn

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# ca-certificates: TLS to S3 and to database servers; curl: the health check below. Versions are
# not pinned: the image takes the release's current security updates when it is rebuilt.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
ARG CAIRN_UID=10001
RUN groupadd --system --gid "${CAIRN_UID}" cairn \
 && useradd --system --uid "${CAIRN_UID}" --gid cairn --home-dir /var/cairn --shell /usr/sbin/nologin cairn \
 && install -d -o cairn -g cairn -m 0750 /var/cairn /var/cairn/shared
COPY --from=build /out/cairn /usr/local/bin/cairn

USER ${CAIRN_UID}:${CAIRN_UID}
WORKDIR /var/cairn
ENV CAIRN_HOME=/var/cairn \
    CAIRN_LISTEN=0.0.0.0:8090
VOLUME ["/var/cairn"]
EXPOSE 8090
# Liveness of the process; load balancers should use /readyz to decide where traffic goes.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "4", "--output", "/dev/null", "http://127.0.0.1:8090/healthz"]
# `cairn serve` stops on SIGTERM after finishing the requests in flight.
STOPSIGNAL SIGTERM
ENTRYPOINT ["cairn"]
CMD ["serve", "--home", "/var/cairn", "--listen", "0.0.0.0:8090"]
