#!/usr/bin/env bash
# Installs the RemoteLLM broker and/or connector as launchd services on macOS. See --help.
set -euo pipefail

PROG=install-macos.sh
# --user installs per-user agents instead of system daemons; it changes these defaults.
user_mode=false
for arg in "$@"; do
  [ "$arg" = --user ] && user_mode=true
done
if $user_mode; then
  DEFAULT_PREFIX="$HOME/.remotellm"
  DEFAULT_CONFIG_DIR="$HOME/.remotellm/etc"
  DEFAULT_SERVICE_USER="$(id -un)"
  STATE_DIR="$HOME/.remotellm/var"
  LOG_DIR="$HOME/Library/Logs/remotellm"
  PLIST_DIR="$HOME/Library/LaunchAgents"
else
  DEFAULT_PREFIX=/usr/local/remotellm
  DEFAULT_CONFIG_DIR=/usr/local/etc/remotellm
  # Service accounts on macOS start with an underscore.
  DEFAULT_SERVICE_USER=_remotellm
  STATE_DIR=/usr/local/var/remotellm
  LOG_DIR=/usr/local/var/log/remotellm
  PLIST_DIR=/Library/LaunchDaemons
fi
# The broker drains in-flight streams for up to 30 s after SIGTERM; launchd's default wait
# before SIGKILL is 20 s.
STOP_TIMEOUT=45

args=()
for arg in "$@"; do
  [ "$arg" = --user ] || args+=("$arg")
done

# shellcheck source=SCRIPTDIR/lib/common.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib/common.sh"
skip_chown=$user_mode

usage() {
  cat <<'USAGE'
Usage: sudo ./deploy/install-macos.sh [--broker] [--connector] [options]
       ./deploy/install-macos.sh --user [--broker] [--connector] [options]
       sudo ./deploy/install-macos.sh --uninstall [--broker] [--connector] [--purge]

Installs the RemoteLLM broker and/or connector as launchd services. By default as system
daemons (/Library/LaunchDaemons/io.remotellm.broker.plist, io.remotellm.connector.plist) run
by the hidden user "_remotellm": the launchers and built artifacts go to /usr/local/remotellm,
the settings to /usr/local/etc/remotellm/broker.env and connector.env (mode 0640,
root:_remotellm), logs to /usr/local/var/log/remotellm. With --user, as agents of the current
user (~/Library/LaunchAgents, files under ~/.remotellm, logs in ~/Library/Logs/remotellm), no
sudo needed. With neither --broker nor --connector, both are installed.
Build first: mvn -B -DskipTests package

The plists hold no secrets: a small wrapper reads the env file and starts the launcher.
Values come from the options below or from the seed's env variables (keep them through sudo
with `sudo -E` or `sudo VAR=value ...`); options win. Lists are comma-separated in the
variables, repeated options on the command line. Nothing is asked interactively. Existing env
and config files are never overwritten: a reinstall upgrades the program and plists only.

Broker and connector options: every option of `bin/remotellm-broker --help` and
`bin/remotellm-connector --help` is passed to the program it belongs to, which checks it and
prints the env file; each also reads its env variable, as those help texts say. For example:
  broker:     --host HOST, --port N (relay at /ws), --connector-token TOKEN and --user-api-key KEY
              (repeatable; REMOTELLM_BROKER_CONNECTOR_TOKENS, REMOTELLM_BROKER_USER_API_KEYS),
              --connector-config FILE (here by default <config dir>/connectors.yaml;
              an example is written there if absent), --allow-anonymous, --https-port N ...
  connector:  --broker-url URL and --broker-token TOKEN (required; REMOTELLM_BROKER_URL,
              REMOTELLM_BROKER_TOKEN), --llm-url URL ('demo': built-in demo model),
              --llm-api-key KEY, --model NAME (repeatable; REMOTELLM_MODELS), --capacity N ...

The two options both programs have, for each service:
  --broker-health-port N       the broker's --health-port
  --connector-health-port N    the connector's --health-port (8081 when the broker is installed too)
  --broker-log-level LEVEL     the broker's --log-level
  --connector-log-level LEVEL  the connector's --log-level
  --health-port N              the health port of the one service being installed
  --log-level LEVEL            log level of both

Installation:
  --user                       per-user launch agents instead of system daemons
  --prefix DIR                 where the program goes
  --config-dir DIR             where env and config files go
  --service-user NAME          the account the daemons run as (default _remotellm)
  --source DIR                 the built source tree to install from (default: this repository)
  --no-start                   write everything, but do not load the services now
  --dest-root DIR              stage every file under DIR instead of / (packaging, tests): creates
                               no user, changes no ownership, does not call launchctl
  -n, --dry-run                print what would be done; change nothing
  --uninstall                  unload and remove the services and the program; keeps settings,
                               state and logs
  --purge                      with --uninstall: also remove those (and the _remotellm user)
  -h, --help                   this text

Logs: tail -f /usr/local/var/log/remotellm/broker.log
USAGE
}

plist_label() { printf 'io.remotellm.%s' "$1"; }
plist_file() { printf '%s/%s.plist' "$PLIST_DIR" "$(plist_label "$1")"; }
env_file() { printf '%s/%s.env' "$config_dir" "$1"; }
wrapper() { printf '%s/libexec/remotellm-service' "$prefix"; }
launchd_domain() {
  if $user_mode; then printf 'gui/%s' "$(id -u)"; else printf 'system'; fi
}

xml_escape() {
  local s="$1"
  s="${s//&/&amp;}"
  s="${s//</&lt;}"
  s="${s//>/&gt;}"
  printf '%s' "$s"
}
xml_string() { printf '<string>%s</string>' "$(xml_escape "$1")"; }

# The wrapper launchd starts: it reads an env file in the same form systemd reads (see
# lib/common.sh), so that tokens live in a 0640 file and not in a world-readable plist.
wrapper_text() {
  cat <<'EOF'
#!/bin/bash
# Started by launchd (deploy/install-macos.sh): exports the settings in an env file, then
# runs the launcher in this process so that launchd's signals reach the JVM.
# Usage: remotellm-service ENV_FILE LAUNCHER [ARGS...]
set -euo pipefail
env_file="$1"
shift
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
exec "$@"
EOF
}

# Prints the launchd plist of a component.
plist_text() {
  local component="$1" jdir path_value user_keys=""
  jdir="$(java_dir)"
  path_value=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
  case ":$path_value:" in
    *":$jdir:"*) ;;
    *) [ -z "$jdir" ] || path_value="$jdir:$path_value" ;;
  esac
  if ! $user_mode; then
    user_keys="  <key>UserName</key>
  $(xml_string "$service_user")
  <key>GroupName</key>
  $(xml_string "$service_user")
"
  fi
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by deploy/install-macos.sh; a reinstall replaces this file.
     Settings live in $(xml_escape "$(env_file "$component")"), not here. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  $(xml_string "$(plist_label "$component")")
  <key>ProgramArguments</key>
  <array>
    <string>/bin/bash</string>
    $(xml_string "$(wrapper)")
    $(xml_string "$(env_file "$component")")
    $(xml_string "$prefix/bin/remotellm-$component")
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PATH</key>
    $(xml_string "$path_value")
  </dict>
${user_keys}  <key>WorkingDirectory</key>
  $(xml_string "$STATE_DIR/$component")
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>ExitTimeOut</key>
  <integer>$STOP_TIMEOUT</integer>
  <key>ProcessType</key>
  <string>Standard</string>
  <key>SoftResourceLimits</key>
  <dict>
    <key>NumberOfFiles</key>
    <integer>4096</integer>
  </dict>
  <key>StandardOutPath</key>
  $(xml_string "$LOG_DIR/$component.log")
  <key>StandardErrorPath</key>
  $(xml_string "$LOG_DIR/$component.log")
</dict>
</plist>
EOF
}

config_owner() {
  if $user_mode; then printf '%s' "$service_user"; else printf 'root:%s' "$service_user"; fi
}
root_owner() {
  if $user_mode; then printf '%s' "$service_user"; else printf 'root:wheel'; fi
}

# Creates the hidden daemon account with dscl, taking the first free id below 500.
ensure_user() {
  $user_mode && return
  if [ -z "$dest_root" ] && id -u "$service_user" >/dev/null 2>&1; then
    say "user $service_user exists"
    return
  fi
  local id=300 used
  if [ -z "$dest_root" ] && command -v dscl >/dev/null 2>&1; then
    used="$(dscl . -list /Users UniqueID | awk '{print $2}'; dscl . -list /Groups PrimaryGroupID | awk '{print $2}')"
    while [[ $'\n'"$used"$'\n' == *$'\n'"$id"$'\n'* ]]; do
      id=$((id + 1))
      [ "$id" -lt 500 ] || die "no free user id below 500 for $service_user"
    done
  fi
  run_system dscl . -create "/Groups/$service_user" PrimaryGroupID "$id"
  run_system dscl . -create "/Groups/$service_user" RealName "RemoteLLM services"
  run_system dscl . -create "/Users/$service_user" UniqueID "$id"
  run_system dscl . -create "/Users/$service_user" PrimaryGroupID "$id"
  run_system dscl . -create "/Users/$service_user" UserShell /usr/bin/false
  run_system dscl . -create "/Users/$service_user" NFSHomeDirectory "$STATE_DIR"
  run_system dscl . -create "/Users/$service_user" RealName "RemoteLLM services"
  run_system dscl . -create "/Users/$service_user" Password '*'
  run_system dscl . -create "/Users/$service_user" IsHidden 1
}

install_component() {
  local component="$1"
  copy_runtime "$component"
  mkdir_owned 0750 "$service_user:$service_user" "$STATE_DIR/$component"
  install_settings "$component" "$(config_owner)"
  plist_text "$component" | install_text 0644 "$(plist_file "$component")" "$(root_owner)"
}

do_install() {
  local components=() c domain
  $want_broker && components+=(broker)
  $want_connector && components+=(connector)
  if [ -z "$dest_root" ] && ! $dry_run; then
    [ "$(uname -s)" = Darwin ] || die "this installer is for macOS (on Linux: deploy/install-linux.sh); --dest-root DIR stages the files anywhere"
    if ! $user_mode && [ "$(id -u)" -ne 0 ]; then
      die "system daemons need root: run with sudo, or install agents for yourself with --user"
    fi
  fi
  check_runtime "${components[@]}"
  # Every value is checked, by the programs themselves, before anything changes.
  resolve_values

  ensure_user
  mkdir_owned 0755 "$(root_owner)" "$prefix" "$prefix/libexec"
  mkdir_owned 0750 "$(config_owner)" "$config_dir"
  mkdir_owned 0750 "$service_user:$service_user" "$STATE_DIR" "$LOG_DIR"
  if [ -f "$source_dir/README.md" ]; then
    run install -m 0644 -- "$source_dir/README.md" "$dest_root$prefix/README.md"
  fi
  wrapper_text | install_text 0755 "$(wrapper)" "$(root_owner)"
  for c in "${components[@]}"; do
    install_component "$c"
  done

  domain="$(launchd_domain)"
  for c in "${components[@]}"; do
    if $no_start; then
      say "$(plist_label "$c") is not loaded (--no-start): launchctl bootstrap $domain $(plist_file "$c")"
      continue
    fi
    # A reinstall must run the new version: unload the old one first (absent the first time).
    run_system launchctl bootout "$domain/$(plist_label "$c")" 2>/dev/null || true
    run_system launchctl enable "$domain/$(plist_label "$c")"
    run_system launchctl bootstrap "$domain" "$(plist_file "$c")"
  done
  say "done. Settings: $config_dir; logs: $LOG_DIR"
}

do_uninstall() {
  local components=() c domain
  $want_broker && components+=(broker)
  $want_connector && components+=(connector)
  if [ -z "$dest_root" ] && ! $dry_run && ! $user_mode && [ "$(id -u)" -ne 0 ]; then
    die "run as root (sudo), or give --user for agents"
  fi
  domain="$(launchd_domain)"
  for c in "${components[@]}"; do
    run_system launchctl bootout "$domain/$(plist_label "$c")" 2>/dev/null \
      || warn "$(plist_label "$c") was not loaded"
    run rm -f -- "$dest_root$(plist_file "$c")"
    run rm -f -- "$dest_root$prefix/bin/remotellm-$c"
    if $purge; then
      run rm -f -- "$dest_root$(env_file "$c")" "$dest_root$LOG_DIR/$c.log"
      run rm -rf -- "$dest_root$STATE_DIR/$c"
    else
      say "kept $(env_file "$c") (remove it with --purge)"
    fi
  done

  local left=false
  for c in broker connector; do
    if [ -e "$dest_root$(plist_file "$c")" ] && ! { $dry_run && [[ " ${components[*]} " == *" $c "* ]]; }; then
      left=true
    fi
  done
  if $left; then
    say "another RemoteLLM service is still installed: kept $prefix"
    return
  fi
  run rm -rf -- "$dest_root$prefix"
  if $purge; then
    run rm -rf -- "$dest_root$config_dir" "$dest_root$STATE_DIR" "$dest_root$LOG_DIR"
    if ! $user_mode && { [ -n "$dest_root" ] || id -u "$service_user" >/dev/null 2>&1; }; then
      run_system dscl . -delete "/Users/$service_user"
      run_system dscl . -delete "/Groups/$service_user"
    fi
  else
    say "kept $config_dir, $STATE_DIR and $LOG_DIR (remove them with --purge)"
  fi
  say "uninstalled"
}

parse_args ${args[@]+"${args[@]}"}
if [ "$action" = uninstall ]; then
  do_uninstall
else
  do_install
fi
