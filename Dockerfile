# syntax=docker/dockerfile:1
# driftwatch agent image: `docker build -t driftwatch .`
#
# The build stage compiles a release binary with the Swift runtime and FoundationEssentials
# linked in statically (scripts/build-static.sh: --static-swift-stdlib, and the code laid out
# by lld for a small resident set; the agent does not use Foundation itself, nor its ICU), so
# the runtime stage needs only the C libraries it links: librdkafka, protobuf-c and libyaml
# (and libstdc++, linked in too), OpenBLAS, which it opens when a large matrix product first
# needs it, and what Debian's packages of them depend on; curl for
# the hook's create-job.sh (config/kubernetes/overlays/hook); ca-certificates for the hook's
# https --url (swift-nio with NIOSSL, which reads the system's trust store).
# `make image-check` (part of `make test`) checks that this package list covers every
# library `ldd` lists for the binary, and those its sources open with dlopen.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librdkafka-dev libprotobuf-c-dev libyaml-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# SwiftPM checks every target's folder, tests included; .dockerignore keeps build output out.
COPY . .
RUN scripts/build-static.sh .build \
    && install -s -D .build/release/driftwatch /out/driftwatch

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librdkafka1 libprotobuf-c1 libopenblas0-pthread libyaml-0-2 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/driftwatch /usr/local/bin/driftwatch
COPY config/driftwatch.yaml /etc/driftwatch/driftwatch.yaml
# OpenBLAS starts a thread per core when it loads, before the agent can ask for one
# (`OpenBLAS`), each with a stack resident; the agent's products need one.
ENV OPENBLAS_NUM_THREADS=1
# Non-root (the distroless "nonroot" user); the agent writes nothing to disk.
USER 65532:65532
EXPOSE 9400
ENTRYPOINT ["/usr/local/bin/driftwatch"]
CMD ["run", "--config", "/etc/driftwatch/driftwatch.yaml"]
