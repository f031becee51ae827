#!/usr/bin/env bash
# Builds the broker and connector images from this clone: the Maven artifacts first (if missing),
# then deploy/containers/broker/Containerfile and connector/Containerfile with the repository root
# as build context. Prints the two image names on stdout, broker first.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: build-images.sh [options]

Builds remotellm-broker:TAG and remotellm-connector:TAG.
  --base IMAGE      base image with Java 17 (default docker.io/library/eclipse-temurin:17-jre,
                    named in full so that podman needs no short-name set-up; where no image
                    registry is reachable, use the one build-base.sh prints)
  --tag TAG         image tag (default latest)
  --engine CMD      podman or docker (default: podman if installed, else docker)
  --rebuild         run `mvn package` even if the artifacts are there
  -h, --help        show this help
Example (no registry, as in this project's tests):
  deploy/containers/build-images.sh --base "$(deploy/containers/build-base.sh)"
USAGE
}

die() {
  echo "build-images.sh: $*" >&2
  exit 2
}

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$here/../.." && pwd)"
base="docker.io/library/eclipse-temurin:17-jre"
tag="latest"
engine=""
rebuild=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --base) [[ $# -ge 2 && -n "$2" ]] || die "--base needs a value"; base="$2"; shift 2 ;;
    --tag) [[ $# -ge 2 && -n "$2" ]] || die "--tag needs a value"; tag="$2"; shift 2 ;;
    --engine) [[ $# -ge 2 && -n "$2" ]] || die "--engine needs a value"; engine="$2"; shift 2 ;;
    --rebuild) rebuild=true; shift ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "--tag '$tag' is not a valid image tag"

if [[ -z "$engine" ]]; then
  if command -v podman >/dev/null; then engine=podman
  elif command -v docker >/dev/null; then engine=docker
  else die "neither podman nor docker is installed"
  fi
fi
command -v "$engine" >/dev/null || die "$engine is not installed"
build_opts=()
if [[ "$(basename "$engine")" == podman ]]; then
  # The sandbox's settings (runc, cgroupfs, no ulimits) unless the caller has its own; and the
  # host's network for the one RUN step (useradd), where podman's own networks may not work.
  export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/sandbox-containers.conf}"
  build_opts=(--network host)
fi

artifacts=(
  "$root/broker-war/target/remotellm-broker.war"
  "$root/broker-war/target/payara-micro.jar"
  "$root/server-config/payara-micro-launcher/target/remotellm-broker-launcher.jar"
  "$root/server-config/payara-micro-launcher/target/remotellm-payara-micro-logging.jar"
  "$root/connector-app/target/remotellm-connector.jar"
)
missing=false
for artifact in "${artifacts[@]}"; do
  [[ -f "$artifact" ]] || missing=true
done
if [[ "$missing" == true || "$rebuild" == true ]]; then
  command -v mvn >/dev/null || die "the artifacts are not built and Maven (mvn) is not installed"
  echo "build-images.sh: building the artifacts (mvn package)..." >&2
  (cd "$root" && mvn -B -ntp -q -DskipTests package) >&2
fi

for component in broker connector; do
  image="localhost/remotellm-$component:$tag"
  echo "build-images.sh: building $image on $base..." >&2
  "$engine" build ${build_opts[@]+"${build_opts[@]}"} --build-arg "BASE_IMAGE=$base" \
    -f "$here/$component/Containerfile" -t "$image" "$root" >&2
  echo "$image"
done
