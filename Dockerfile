# nanotick in a container: a static binary on an empty base, run as a non-root user.
#
#   docker build -t nanotick .          (or: buildah bud -t nanotick .)
#   docker run --rm -v "$PWD/data:/data:ro" nanotick backtest --data /data/FILE.gz
#
# deploy/kubernetes runs sweeps of it as an Indexed Job. The build stage's image is a
# build argument so that the image can also be built offline, from scratch with the
# host's Go toolchain and module cache mounted (see deploy/kubernetes/image_test.go).

ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
# Empty unless given: the toolchain's defaults. The offline build points them at the
# mounted module cache with GOPROXY=off.
ARG GOPROXY
ARG GOMODCACHE
ARG GOFLAGS
ENV PATH=/usr/local/go/bin:$PATH CGO_ENABLED=0 GOCACHE=/tmp/gocache GOTOOLCHAIN=local
WORKDIR /tmp
WORKDIR /src
COPY go.mod go.sum ./
RUN ["/usr/local/go/bin/go", "mod", "download"]
COPY . .
RUN ["/usr/local/go/bin/go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/nanotick", "./cmd/nanotick"]

# The binary alone: no shell, no libc (CGO_ENABLED=0), nothing to patch.
FROM scratch
COPY --from=build /out/nanotick /nanotick
# 65532 is distroless's "nonroot"; any unprivileged id will do.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/nanotick"]
