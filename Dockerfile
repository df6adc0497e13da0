# ucontact-mock: the lively demo world in a minimal image.
#   docker build -t ucontact-mock .
#   docker run -p 8085:8085 -p 8086:8086 ucontact-mock
# scripts/docker-check builds it with podman, runs it, its health check, a restart and the compose file.

# Build: a release binary (LAME, libgsm and ring build from bundled C sources: cc and make suffice).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY migrations ./migrations
COPY fixtures ./fixtures
COPY benches ./benches
RUN cargo build --release --locked --bin ucontact-mock
RUN mkdir -p /out/data && cp target/release/ucontact-mock /out/ucontact-mock

# Run: glibc and libgcc only (distroless), as a non-root user, the data in a volume.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/ucontact-mock /usr/local/bin/ucontact-mock
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
ENV UCONTACT_MOCK_LISTEN=0.0.0.0:8085 \
    UCONTACT_MOCK_BACKUP_LISTEN=0.0.0.0:8086 \
    UCONTACT_MOCK_DB=/data/mock.db \
    UCONTACT_MOCK_LOG_FORMAT=json
EXPOSE 8085 8086
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/ucontact-mock", "health", "http://127.0.0.1:8085"]
ENTRYPOINT ["/usr/local/bin/ucontact-mock"]
