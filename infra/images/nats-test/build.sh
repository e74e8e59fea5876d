#!/bin/sh
# Builds pn/nats-test:2.9 (NATS with JetStream, FROM scratch) from the host's
# Debian nats-server, for machines that cannot pull images. Tests build it on
# demand too (libs/shared/test-support/src/nats.ts); this script is for humans.
set -eu
tag="${1:-pn/nats-test:2.9}"
here="$(cd "$(dirname "$0")" && pwd)"
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
cp "$here/Dockerfile" /usr/sbin/nats-server /lib/x86_64-linux-gnu/libc.so.6 /lib64/ld-linux-x86-64.so.2 "$ctx/"
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx"
