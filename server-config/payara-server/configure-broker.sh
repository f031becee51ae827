#!/usr/bin/env bash
# Sets up a running Payara Server domain for the RemoteLLM broker with remotellm-broker.asadmin.template.
# Usage: configure-broker.sh --war FILE [--connector-config FILE] [--log-level LEVEL]
#                            [--allow-anonymous] [-- extra asadmin options, e.g. --port 4848 --user admin]
# Needs asadmin on the PATH (or ASADMIN=/opt/payara6/bin/asadmin).
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
asadmin="${ASADMIN:-asadmin}"
war="" connector_config="" log_level="INFO" allow_anonymous="false"

die() { echo "configure-broker: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --war) war="${2:?--war needs a file}"; shift 2 ;;
    --connector-config) connector_config="${2:?--connector-config needs a file}"; shift 2 ;;
    --log-level) log_level="${2:?--log-level needs a value}"; shift 2 ;;
    --allow-anonymous) allow_anonymous="true"; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

[[ -r "$war" ]] || die "--war must name the broker WAR (broker-war/target/remotellm-broker.war)"
war="$(readlink -f "$war")"
if [[ -n "$connector_config" ]]; then
  [[ -r "$connector_config" ]] || die "connector config '$connector_config' is not readable"
  connector_config="$(readlink -f "$connector_config")"
fi
case "$log_level" in DEBUG|INFO|WARNING|ERROR) ;; *) die "--log-level must be DEBUG, INFO, WARNING or ERROR" ;; esac

commands="$(mktemp)"
trap 'rm -f "$commands"' EXIT
# An empty value would make asadmin reject the command: leave the setting out instead.
sed -e "s#@WAR@#${war}#g" -e "s#@LOG_LEVEL@#${log_level}#g" -e "s#@ALLOW_ANONYMOUS@#${allow_anonymous}#g" \
    -e "s#@CONNECTOR_CONFIG@#${connector_config}#g" "$here/remotellm-broker.asadmin.template" \
  | grep -v -e '^#' -e '^$' \
  | { if [[ -z "$connector_config" ]]; then grep -v 'remotellm.broker.connector-config'; else cat; fi; } >"$commands"

# create-jvm-options fails on an option the domain already has (a second run of this script):
# leave it out then, so a re-run reports no failure.
json_provider_option="$(sed -n 's/^create-jvm-options //p' "$commands")"
if [[ -n "$json_provider_option" ]] \
    && "$asadmin" "$@" list-jvm-options 2>/dev/null | grep -qxF -- "$json_provider_option"; then
  sed -i '/^create-jvm-options /d' "$commands"
fi

"$asadmin" "$@" multimode --file "$commands"
