#!/usr/bin/env bash
# Builds a Debian bookworm image with Java 17 (openjdk-17-jre-headless) without any image
# registry, for machines that reach Debian's package archive but not Docker Hub: debootstrap
# into a directory, then `podman import`. Prints the image's name on stdout, e.g.
# localhost/remotellm-base:jre17-0123456789ab, to pass to build-images.sh --base.
#
# Slow (about 2.5 minutes), so cached: the image name carries a hash of the recipe below, and the
# root file system is kept as a tarball under the cache directory, outside any clone, so a
# fresh clone on the same machine (CI) imports it in seconds, and a podman that still has the
# image does nothing at all. Needs root (debootstrap), podman and debootstrap.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: build-base.sh [--cache-dir DIR]

Prints the name of a local Debian bookworm + Java 17 image, building it first if needed.
  --cache-dir DIR   where the root file system tarball is kept
                    [REMOTELLM_CONTAINER_CACHE] (default ~/.cache/remotellm/containers)
Needs: podman, debootstrap (Debian packages), root.
USAGE
}

die() {
  echo "build-base.sh: $*" >&2
  exit 2
}

self="$(readlink -f "${BASH_SOURCE[0]}")"
here="$(dirname "$self")"
user_cache="${XDG_CACHE_HOME:-${HOME:-/var/cache}/.cache}"
cache="${REMOTELLM_CONTAINER_CACHE:-$user_cache/remotellm/containers}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --cache-dir) [[ $# -ge 2 ]] || die "--cache-dir needs a value"; cache="$2"; shift 2 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

# The sandbox's podman settings, unless the caller has its own.
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/sandbox-containers.conf}"
command -v podman >/dev/null || die "podman is not installed (Debian package podman)"

suite=bookworm
mirror="${REMOTELLM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
packages=openjdk-17-jre-headless
# What goes into the root file system. Change "trim" when the clean-up step below changes, so that
# caches made by the old recipe are not used; edits elsewhere (comments, options) keep the cache.
recipe="suite=$suite variant=minbase include=$packages trim=1"
hash="$(printf '%s' "$recipe" | sha256sum | cut -c1-12)"
image="localhost/remotellm-base:jre17-$hash"

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

mkdir -p "$cache"
tarball="$cache/debian-$suite-jre17-$hash.tar"
# One builder at a time per cache: a second caller waits, then finds the tarball made.
exec 9>"$cache/.build-base.lock"
flock 9

if [[ ! -s "$tarball" ]]; then
  # debootstrap is in /usr/sbin, which a non-login PATH may lack.
  PATH="$PATH:/usr/sbin:/sbin"
  command -v debootstrap >/dev/null \
    || die "debootstrap is not installed (Debian package debootstrap)"
  [[ "$(id -u)" == 0 ]] || die "debootstrap needs root"
  rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap 'rm -rf -- "$rootfs" "$tarball.tmp"' EXIT
  echo "build-base.sh: debootstrap $suite with $packages (about 2.5 minutes, once)..." >&2
  debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" \
    >"$cache/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $cache/debootstrap.log"
  # Package caches and lists only make the image bigger.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf -- "$rootfs"
  trap - EXIT
  # Tarballs of older recipes are dead weight.
  find "$cache" -maxdepth 1 -name "debian-$suite-jre17-*.tar" ! -name "$(basename "$tarball")" \
    -delete
fi

podman import --quiet --change 'CMD ["/bin/bash"]' "$tarball" "$image" >/dev/null
echo "$image"
