#!/bin/bash
# Builds the base image `debian:bookworm-slim` locally (no registry needed): debootstrap
# --variant=minbase bookworm from this machine's Debian mirror, then `podman import`.
# Skipped when the image already exists. Needs setup.sh first (the service is not needed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"

require_root
command -v podman >/dev/null || die "podman not installed: run validation/env/setup.sh first"
[ -f "$CONTAINERS_CONF" ] || die "$CONTAINERS_CONF missing: run validation/env/setup.sh first"
if podman image exists debian:bookworm-slim; then
  note "debian:bookworm-slim already exists"
  exit 0
fi
command -v debootstrap >/dev/null || die "debootstrap not installed: run validation/env/setup.sh first"
require_disk "$HASIM_STATE" 2000

mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '/^deb / && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
fi
mirror="${HASIM_MIRROR:-${mirror:-http://deb.debian.org/debian}}"

rootfs="$HASIM_STATE/rootfs-bookworm"
rm -rf "$rootfs"
trap 'rm -rf "$rootfs"' EXIT
note "debootstrap bookworm from $mirror (about 40 s)"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$HASIM_STATE/debootstrap.log" 2>&1 \
  || die "debootstrap failed: see $HASIM_STATE/debootstrap.log"
# The same sources the image would have from a registry, so Dockerfiles' apt-get works.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | podman import - debian:bookworm-slim >/dev/null \
  || die "podman import failed"
note "imported debian:bookworm-slim"
