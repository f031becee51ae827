#!/usr/bin/env bash
# Installs the RemoteLLM broker and/or connector as systemd services. See --help.
set -euo pipefail

PROG=install-linux.sh
DEFAULT_PREFIX=/opt/remotellm
DEFAULT_CONFIG_DIR=/etc/remotellm
DEFAULT_SERVICE_USER=remotellm
UNIT_DIR=/etc/systemd/system
STATE_DIR=/var/lib/remotellm
LOG_DIR=/var/log/remotellm
# The broker drains in-flight streams for up to 30 s after SIGTERM; systemd must wait longer
# before it sends SIGKILL.
STOP_TIMEOUT=45

# shellcheck source=SCRIPTDIR/lib/common.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: sudo ./deploy/install-linux.sh [--broker] [--connector] [options]
       sudo ./deploy/install-linux.sh --uninstall [--broker] [--connector] [--purge]

Installs the RemoteLLM broker and/or connector as systemd services, run by the system user
"remotellm": the launchers and built artifacts go to /opt/remotellm, the settings to
/etc/remotellm/broker.env and /etc/remotellm/connector.env (mode 0640, root:remotellm), the
units to /etc/systemd/system/remotellm-broker.service and remotellm-connector.service, which
are enabled and started. With neither --broker nor --connector, both are installed.
Build first: mvn -B -DskipTests package

Values come from the options below or from the seed's env variables (sudo keeps them with
`sudo -E` or `sudo VAR=value ...`); options win. Env variables keep secrets out of `ps` and
shell history. Lists are comma-separated in the variables, repeated options on the command line.
Nothing is asked interactively. Existing env and config files are never overwritten: a
reinstall upgrades the program and units, and keeps your settings (edit the files instead).

Broker and connector options: every option of `bin/remotellm-broker --help` and
`bin/remotellm-connector --help` is passed to the program it belongs to, which checks it and
prints the env file; each also reads its env variable, as those help texts say. For example:
  broker:     --host HOST, --port N (relay at /ws), --connector-token TOKEN and --user-api-key KEY
              (repeatable; REMOTELLM_BROKER_CONNECTOR_TOKENS, REMOTELLM_BROKER_USER_API_KEYS),
              --connector-config FILE (here by default /etc/remotellm/connectors.yaml;
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
  --prefix DIR                 where the program goes (default /opt/remotellm)
  --config-dir DIR             where env and config files go (default /etc/remotellm)
  --service-user NAME          the account the services run as (default remotellm)
  --source DIR                 the built source tree to install from (default: this repository)
  --no-start                   enable the services but do not start them now
  --dest-root DIR              stage every file under DIR instead of / (packaging, tests): creates
                               no user, changes no ownership, does not touch systemd
  -n, --dry-run                print what would be done; change nothing
  --uninstall                  stop, disable and remove the services and the program; keeps
                               /etc/remotellm, /var/lib/remotellm and /var/log/remotellm
  --purge                      with --uninstall: also remove those and the remotellm user
  -h, --help                   this text

Examples:
  sudo REMOTELLM_BROKER_CONNECTOR_TOKENS=ct-1 REMOTELLM_BROKER_USER_API_KEYS=sk-1 \
    ./deploy/install-linux.sh --broker
  sudo -E ./deploy/install-linux.sh --connector --broker-url wss://broker.example.com/ws --model llama3.2
  journalctl -u remotellm-broker -f
USAGE
}

unit_file() { printf '%s/remotellm-%s.service' "$UNIT_DIR" "$1"; }
env_file() { printf '%s/%s.env' "$config_dir" "$1"; }

# Prints the systemd unit of a component.
unit_text() {
  local component="$1" description after extra="" path_line=""
  if [ "$component" = broker ]; then
    description="RemoteLLM broker: OpenAI-compatible API and connector relay"
    after="network-online.target"
    # Operators often put the broker on 443: allow binding low ports, and nothing else.
    extra=$'AmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE'
  else
    description="RemoteLLM connector: relays a local LLM to the broker"
    # Only ordering: when both run on one machine the broker comes up first.
    after="network-online.target remotellm-broker.service"
    extra="CapabilityBoundingSet="
  fi
  local jdir
  jdir="$(java_dir)"
  local default_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  case ":$default_path:" in
    *":$jdir:"*) ;;
    *) [ -z "$jdir" ] || path_line="Environment=PATH=$jdir:$default_path" ;;
  esac
  cat <<EOF
# Written by deploy/install-linux.sh; a reinstall replaces this file. Settings live in
# $(env_file "$component"), not here.
[Unit]
Description=$description
Documentation=file:$prefix/README.md
Wants=network-online.target
After=$after

[Service]
Type=exec
User=$service_user
Group=$service_user
EnvironmentFile=$(env_file "$component")
${path_line:+$path_line
}WorkingDirectory=$STATE_DIR/$component
ExecStart=$prefix/bin/remotellm-$component
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=$STOP_TIMEOUT
# The JVM's exit code after SIGTERM (128 + 15).
SuccessExitStatus=143
UMask=0027

# Hardening: a read-only system, private /tmp (Payara Micro unpacks there), no home folders;
# only the state and log folders are writable. No MemoryDenyWriteExecute: the JVM's JIT needs it.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ReadWritePaths=$STATE_DIR $LOG_DIR
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
SystemCallArchitectures=native
$extra

[Install]
WantedBy=multi-user.target
EOF
}

nologin_shell() {
  local s
  for s in /usr/sbin/nologin /sbin/nologin /usr/bin/false /bin/false; do
    [ -x "$s" ] && { printf '%s' "$s"; return; }
  done
  printf '/bin/false'
}

ensure_user() {
  if [ -z "$dest_root" ] && id -u "$service_user" >/dev/null 2>&1; then
    say "user $service_user exists"
    return
  fi
  run_system useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
    --shell "$(nologin_shell)" --comment "RemoteLLM services" "$service_user"
}

have_systemd() {
  command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]
}

install_component() {
  local component="$1"
  copy_runtime "$component"
  mkdir_owned 0750 "$service_user:$service_user" "$STATE_DIR/$component"
  install_settings "$component" "root:$service_user"
  unit_text "$component" | install_text 0644 "$(unit_file "$component")" root:root
}

do_install() {
  local components=() c
  $want_broker && components+=(broker)
  $want_connector && components+=(connector)
  if [ -z "$dest_root" ] && ! $dry_run && [ "$(id -u)" -ne 0 ]; then
    die "run as root (sudo), or stage the files with --dest-root DIR"
  fi
  if [ -z "$dest_root" ] && ! $dry_run && ! have_systemd; then
    die "systemd is not running here (no /run/systemd/system); use --dest-root DIR to stage the files"
  fi
  check_runtime "${components[@]}"
  # Every value is checked, by the programs themselves, before anything changes.
  resolve_values

  ensure_user
  mkdir_owned 0755 root:root "$prefix"
  mkdir_owned 0750 "root:$service_user" "$config_dir"
  mkdir_owned 0750 "$service_user:$service_user" "$STATE_DIR" "$LOG_DIR"
  if [ -f "$source_dir/README.md" ]; then
    run install -m 0644 -- "$source_dir/README.md" "$dest_root$prefix/README.md"
  fi
  for c in "${components[@]}"; do
    install_component "$c"
  done

  run_system systemctl daemon-reload
  for c in "${components[@]}"; do
    run_system systemctl enable "remotellm-$c.service"
    if $no_start; then
      say "remotellm-$c is enabled, not started (--no-start): systemctl start remotellm-$c"
    else
      # restart, not start: a reinstall must run the new version.
      run_system systemctl restart "remotellm-$c.service"
    fi
  done
  say "done. Settings: $config_dir; logs: journalctl -u remotellm-<broker|connector>"
}

do_uninstall() {
  local components=() c
  $want_broker && components+=(broker)
  $want_connector && components+=(connector)
  if [ -z "$dest_root" ] && ! $dry_run && [ "$(id -u)" -ne 0 ]; then
    die "run as root (sudo), or give --dest-root DIR"
  fi
  for c in "${components[@]}"; do
    if [ -n "$dest_root" ] || $dry_run || have_systemd; then
      run_system systemctl disable --now "remotellm-$c.service" \
        || warn "could not stop remotellm-$c (not installed?)"
    fi
    run rm -f -- "$dest_root$(unit_file "$c")"
    run rm -f -- "$dest_root$prefix/bin/remotellm-$c"
    if $purge; then
      run rm -f -- "$dest_root$(env_file "$c")"
      run rm -rf -- "$dest_root$STATE_DIR/$c"
    else
      say "kept $(env_file "$c") (remove it with --purge)"
    fi
  done
  if [ -n "$dest_root" ] || $dry_run || have_systemd; then
    run_system systemctl daemon-reload
  fi

  # The shared parts go with the last service.
  local left=false
  for c in broker connector; do
    if [ -e "$dest_root$(unit_file "$c")" ] && ! { $dry_run && [[ " ${components[*]} " == *" $c "* ]]; }; then
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
    if [ -n "$dest_root" ] || id -u "$service_user" >/dev/null 2>&1; then
      run_system userdel "$service_user"
    fi
  else
    say "kept $config_dir, $STATE_DIR and $LOG_DIR (remove them with --purge)"
  fi
  say "uninstalled"
}

parse_args "$@"
if [ "$action" = uninstall ]; then
  do_uninstall
else
  do_install
fi
