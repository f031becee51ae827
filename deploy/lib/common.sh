# shellcheck shell=bash
# What install-linux.sh and install-macos.sh share: the installer's own options, the programs'
# options passed through to them, the env files the programs print, and a runner that can print
# instead of act.
#
# No flag, default or check of the broker or the connector is written here. Each program lists
# its flags (--print-options), checks the operator's values and prints its env file
# (--print-env); see io.remotellm.settings.InstallerModes. A flag added to a program works here
# with no change.
#
# The caller sets PROG, and the defaults DEFAULT_PREFIX, DEFAULT_CONFIG_DIR and
# DEFAULT_SERVICE_USER before calling parse_args, then reads the variables below.
# shellcheck disable=SC2034 # the variables set here are read by the installers

die() {
  printf '%s: %s\n' "$PROG" "$*" >&2
  exit 1
}
usage_error() {
  printf '%s: %s (see --help)\n' "$PROG" "$*" >&2
  exit 2
}
say() { printf '%s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Options

want_broker=false
want_connector=false
# Whether --broker or --connector was named (else both are installed).
named_component=false
action=install
purge=false
dry_run=false
no_start=false
dest_root=""
prefix=""
config_dir=""
source_dir=""
service_user=""
# Set by an installer whose files all belong to the user running it (macOS --user).
skip_chown=false
# The installer's names for the flags both programs have, so each service can get its own.
opt_broker_health_port="" opt_broker_log_level="" opt_connector_health_port=""
opt_connector_log_level="" opt_health_port="" opt_log_level=""
# The programs' options as given, in order, one word each: --name=value, or --switch.
broker_args=()
connector_args=()

# The built jar of each program: it answers the installer, and its launcher runs it.
program_jar() {
  if [ "$1" = broker ]; then
    printf '%s' server-config/payara-micro-launcher/target/remotellm-broker-launcher.jar
  else
    printf '%s' connector-app/target/remotellm-connector.jar
  fi
}

# Reads "--name value" and "--name=value"; sets $optarg and how many words were used in $used.
take_value() {
  local name="$1" word="$2"
  shift 2
  if [[ "$word" == *=* ]]; then
    optarg="${word#*=}"
    used=1
  elif [ $# -ge 1 ]; then
    optarg="$1"
    used=2
  else
    usage_error "$name needs a value"
  fi
}

# The source tree is needed before the other options are read: its programs say which options
# are theirs.
find_source() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --source) [ $# -lt 2 ] || source_dir="$2"; shift ;;
      --source=*) source_dir="${1#*=}" ;;
    esac
    [ $# -eq 0 ] || shift
  done
  if [ -z "$source_dir" ]; then
    source_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)"
  fi
  [ -d "$source_dir" ] || die "--source $source_dir is not a directory"
  source_dir="$(cd -- "$source_dir" && pwd)"
}

parse_args() {
  local word name optarg used
  find_source "$@"
  while [ $# -gt 0 ]; do
    word="$1"
    name="${word%%=*}"
    used=1
    case "$name" in
      -h | --help) usage; exit 0 ;;
      --broker) want_broker=true; named_component=true ;;
      --connector) want_connector=true; named_component=true ;;
      --uninstall) action=uninstall ;;
      --purge) purge=true ;;
      --dry-run | -n) dry_run=true ;;
      --no-start) no_start=true ;;
      --dest-root | --prefix | --config-dir | --source | --service-user | --broker-health-port \
        | --broker-log-level | --connector-health-port | --connector-log-level | --health-port \
        | --log-level)
        take_value "$name" "$@"
        case "$name" in
          --dest-root) dest_root="$optarg" ;;
          --prefix) prefix="$optarg" ;;
          --config-dir) config_dir="$optarg" ;;
          --source) ;; # read by find_source
          --service-user) service_user="$optarg" ;;
          --broker-health-port) opt_broker_health_port="$optarg" ;;
          --broker-log-level) opt_broker_log_level="$optarg" ;;
          --connector-health-port) opt_connector_health_port="$optarg" ;;
          --connector-log-level) opt_connector_log_level="$optarg" ;;
          --health-port) opt_health_port="$optarg" ;;
          --log-level) opt_log_level="$optarg" ;;
        esac
        ;;
      -?*) program_option "$@" ;;
      *) usage_error "unknown option '$name'" ;;
    esac
    shift "$used"
  done

  # Neither named: both, as the seed's one-line install does. The connector's check then says
  # what it still needs, and program_env that --broker alone installs just the broker.
  if ! $want_broker && ! $want_connector; then
    want_broker=true
    want_connector=true
  fi
  if [ -n "$opt_health_port" ]; then
    if $want_broker && $want_connector; then
      usage_error "--health-port is ambiguous with both services: use --broker-health-port and --connector-health-port"
    fi
    if $want_broker; then
      : "${opt_broker_health_port:=$opt_health_port}"
    else
      : "${opt_connector_health_port:=$opt_health_port}"
    fi
  fi
  : "${opt_broker_log_level:=$opt_log_level}"
  : "${opt_connector_log_level:=$opt_log_level}"
  [ -z "$opt_broker_health_port" ] || broker_args+=("--health-port=$opt_broker_health_port")
  [ -z "$opt_broker_log_level" ] || broker_args+=("--log-level=$opt_broker_log_level")
  [ -z "$opt_connector_health_port" ] || connector_args+=("--health-port=$opt_connector_health_port")
  [ -z "$opt_connector_log_level" ] || connector_args+=("--log-level=$opt_connector_log_level")
  if $purge && [ "$action" != uninstall ]; then
    usage_error "--purge goes with --uninstall"
  fi

  if [ -n "$dest_root" ]; then
    if ! $dry_run; then
      mkdir -p -- "$dest_root" || die "cannot create --dest-root $dest_root"
    fi
    if [ -d "$dest_root" ]; then
      dest_root="$(cd -- "$dest_root" && pwd)"
    fi
    case "$dest_root" in /*) ;; *) dest_root="$PWD/$dest_root" ;; esac
    if [ "$dest_root" = / ]; then dest_root=""; fi
  fi
  : "${prefix:=$DEFAULT_PREFIX}"
  : "${config_dir:=$DEFAULT_CONFIG_DIR}"
  : "${service_user:=$DEFAULT_SERVICE_USER}"
  case "$prefix$config_dir" in *[[:space:]\'\"\\]*) usage_error "--prefix and --config-dir may not contain spaces or quotes" ;; esac
  case "$prefix" in /*) ;; *) usage_error "--prefix must be an absolute path" ;; esac
  case "$config_dir" in /*) ;; *) usage_error "--config-dir must be an absolute path" ;; esac
  [[ "$service_user" =~ ^[A-Za-z_][A-Za-z0-9_.-]*$ ]] || usage_error "--service-user '$service_user' is not a valid user name"
}

# ---------------------------------------------------------------------------------------------
# The programs: they say which options are theirs, check the values, and print the env files.

# Sets $java, the java the installer runs the programs with, or refuses.
java=""
find_java() {
  local dir
  [ -z "$java" ] || return 0
  dir="$(java_dir)"
  [ -n "$dir" ] || die "no java found (PATH or JAVA_HOME): the installer needs Java 17 or later to check the settings, as the services need it to run"
  java="$dir/java"
}

# program COMPONENT ARGS...: runs the broker's launcher jar or the connector's jar (find_java
# first); what it says on stderr reaches the operator as it is.
program() {
  local jar
  jar="$source_dir/$(program_jar "$1")"
  shift
  "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar" "$@"
}

broker_options=""
connector_options=""
options_loaded=false
# Asks each built program for its flags, once; keeps them as " --name= --switch ... ".
load_program_options() {
  local c list
  $options_loaded && return 0
  options_loaded=true
  find_java
  for c in broker connector; do
    [ -f "$source_dir/$(program_jar "$c")" ] || continue
    list="$(program "$c" --print-options)" \
      || die "$source_dir/$(program_jar "$c") did not list its options; build first: (cd '$source_dir' && mvn -B -DskipTests package)"
    list=" $(printf '%s' "$list" | tr '\n' ' ') "
    if [ "$c" = broker ]; then broker_options="$list"; else connector_options="$list"; fi
  done
}

# option_kind OPTIONS NAME: "value" if NAME is among OPTIONS taking a value, "switch" if it is
# one without, else nothing.
option_kind() {
  case "$1" in
    *" $2= "*) printf value ;;
    *" $2 "*) printf switch ;;
  esac
}

# The program option at the front of "$@", kept as one word for each program that has it; sets
# $used as take_value does. Only its name is ever echoed: values may be secrets.
program_option() {
  local name="${1%%=*}" for_broker for_connector kind arg c unbuilt=""
  load_program_options
  for_broker="$(option_kind "$broker_options" "$name")"
  for_connector="$(option_kind "$connector_options" "$name")"
  kind="${for_broker:-$for_connector}"
  if [ -z "$kind" ]; then
    for c in broker connector; do
      [ -f "$source_dir/$(program_jar "$c")" ] \
        || unbuilt="; the $c is not built, so its options are unknown: build first (mvn -B -DskipTests package)"
    done
    usage_error "unknown option '$name'$unbuilt"
  fi
  if [ "$kind" = value ]; then
    take_value "$name" "$@"
    arg="$name=$optarg"
  else
    [[ "$1" != *=* ]] || usage_error "$name takes no value"
    arg="$name"
  fi
  [ -z "$for_broker" ] || broker_args+=("$arg")
  [ -z "$for_connector" ] || connector_args+=("$arg")
}

# Prints the env file COMPONENT's program makes of the options and variables given, or exits
# after the program's reason. The installer's own defaults go in as variables, so the
# operator's flags and variables win over them: the broker's connector config is the example
# file written next to the env file; with both services on one machine the connector's health
# port moves to 8081 (the broker keeps the seed's 8080), as in the seed's quick start.
program_env() {
  local component="$1" text status=0 health
  if [ "$component" = broker ]; then
    text="$(REMOTELLM_BROKER_CONNECTOR_CONFIG="${REMOTELLM_BROKER_CONNECTOR_CONFIG:-$config_dir/connectors.yaml}" \
      program broker --print-env ${broker_args[@]+"${broker_args[@]}"})" || status=$?
  else
    health="${REMOTELLM_HEALTH_PORT:-}"
    if $want_broker && [ -z "$health" ]; then health=8081; fi
    text="$(REMOTELLM_HEALTH_PORT="$health" \
      program connector --print-env ${connector_args[@]+"${connector_args[@]}"})" || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    if [ "$component" = connector ] && ! $named_component; then
      printf '%s: to install only the broker, pass --broker\n' "$PROG" >&2
    fi
    exit 2
  fi
  printf '%s\n' "$text"
}

# Sets broker_env and connector_env: the env files to write, each checked by its program, before
# anything changes. An existing env file is kept (a reinstall), so its program is not asked.
resolve_values() {
  broker_env=""
  connector_env=""
  find_java
  if $want_broker && [ ! -e "$dest_root$(env_file broker)" ]; then
    broker_env="$(program_env broker)" || exit $?
  fi
  if $want_connector && [ ! -e "$dest_root$(env_file connector)" ]; then
    connector_env="$(program_env connector)" || exit $?
  fi
}

# True when the operator gave a value, on the command line or as a variable: worth a warning
# when an existing env file wins over it.
values_given() {
  if [ "$1" = broker ]; then
    [ ${#broker_args[@]} -eq 0 ] || return 0
  else
    [ ${#connector_args[@]} -eq 0 ] || return 0
  fi
  compgen -e | grep -q '^REMOTELLM_'
}

# install_settings COMPONENT OWNER:GROUP: its env file (kept if it exists) and, for the broker,
# the example connectors.yaml if that is where its env file points.
install_settings() {
  local component="$1" owner="$2" file text
  file="$(env_file "$component")"
  if [ -e "$dest_root$file" ]; then
    say "kept $file (exists; not overwritten)"
    if values_given "$component"; then
      warn "$file exists, so the values given now were not used; edit that file to change them"
    fi
    text="$(cat -- "$dest_root$file" 2>/dev/null || true)"
  else
    if [ "$component" = broker ]; then text="$broker_env"; else text="$connector_env"; fi
    printf '%s\n' "$text" | install_text 0640 "$file" "$owner"
    if [ "$component" = broker ]; then
      grep -q '^REMOTELLM_BROKER_CONNECTOR_TOKENS=' <<<"$text" \
        || warn "no connector token given (--connector-token or REMOTELLM_BROKER_CONNECTOR_TOKENS): no connector can attach until one is set in $file"
      grep -q '^REMOTELLM_BROKER_USER_API_KEYS=' <<<"$text" \
        || warn "no user API key given (--user-api-key or REMOTELLM_BROKER_USER_API_KEYS); set one in $file"
    fi
  fi
  if [ "$component" = broker ] \
    && grep -qxF "REMOTELLM_BROKER_CONNECTOR_CONFIG='$config_dir/connectors.yaml'" <<<"$text"; then
    connectors_yaml_text | install_config 0640 "$config_dir/connectors.yaml" "$owner" || true
  fi
}

connectors_yaml_text() {
  cat <<'EOF'
# Which LLM API key the broker injects for each connector token.
# The broker reads this file at start (REMOTELLM_BROKER_CONNECTOR_CONFIG) and again within seconds
# of a change, without a restart: a removed token's connector is closed, a new key is used from the
# next request. A file that does not parse changes nothing (the broker's log and health say why).
#
# connectors:
#   - token: "connector-token-1"
#     llm_api_key: "sk-your-openai-api-key"
#   - token: "connector-token-2"
#     # no llm_api_key for an LLM that needs none (e.g. a local Ollama)
connectors: []
EOF
}

# ---------------------------------------------------------------------------------------------
# Acting, or with --dry-run saying what would be done. Commands are printed, never file
# contents: env files hold tokens and keys.

# Prints a command as a shell would read it back.
show_cmd() {
  local out
  printf -v out '%q ' "$@"
  printf '%s' "${out% }"
}

# Runs a command, or prints it under --dry-run.
run() {
  if $dry_run; then
    printf '+ %s\n' "$(show_cmd "$@")"
  else
    "$@"
  fi
}

# Runs a command that changes the machine itself (users, service manager). With --dest-root
# only the files are staged, so these are reported, not run.
run_system() {
  if [ -n "$dest_root" ]; then
    printf 'skipped (--dest-root): %s\n' "$(show_cmd "$@")"
  else
    run "$@"
  fi
}

# install_text MODE FILE OWNER:GROUP < text. Writes FILE under the dest root through a temporary
# file in the same folder, so a reader never sees half a file and secrets never sit in a
# world-readable one.
install_text() {
  local mode="$1" file="$2" owner="$3" target tmp
  target="$dest_root$file"
  if $dry_run; then
    cat >/dev/null
    printf '+ write %s (mode %s, %s)\n' "$file" "$mode" "$owner"
    return
  fi
  mkdir -p -- "$(dirname -- "$target")"
  tmp="$(mktemp "$target.XXXXXX")"
  chmod 600 "$tmp"
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [ -z "$dest_root" ] && ! $skip_chown; then
    chown "$owner" "$tmp"
  fi
  mv -f -- "$tmp" "$target"
  say "wrote $file"
}

# Like install_text, but keeps a file that is already there: env and config files belong to
# the operator once written.
install_config() {
  local mode="$1" file="$2" owner="$3"
  if [ -e "$dest_root$file" ]; then
    cat >/dev/null
    say "kept $file (exists; not overwritten)"
    return 1
  fi
  install_text "$mode" "$file" "$owner"
}

# mkdir_owned MODE OWNER:GROUP DIR...
mkdir_owned() {
  local mode="$1" owner="$2" dir
  shift 2
  for dir in "$@"; do
    run mkdir -p -- "$dest_root$dir"
    run chmod "$mode" "$dest_root$dir"
    if [ -z "$dest_root" ] && ! $skip_chown; then
      run chown "$owner" "$dir"
    fi
  done
}

# Copies the launchers and built artifacts a component needs from the source tree into the
# prefix, keeping the repository's layout, which is where the launchers look for them.
runtime_files() {
  if [ "$1" = broker ]; then
    printf '%s\n' bin/remotellm-broker broker-war/target/remotellm-broker.war broker-war/target/payara-micro.jar \
      "$(program_jar broker)" server-config/payara-micro-launcher/target/remotellm-payara-micro-logging.jar
  else
    printf '%s\n' bin/remotellm-connector "$(program_jar connector)"
  fi
}

# Refuses, before anything changes, when the source tree lacks a launcher or a built artifact.
check_runtime() {
  local component rel missing=()
  for component in "$@"; do
    while IFS= read -r rel; do
      [ -f "$source_dir/$rel" ] || missing+=("$rel")
    done < <(runtime_files "$component")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    die "missing in $source_dir: ${missing[*]}; build first: (cd '$source_dir' && mvn -B -DskipTests package)"
  fi
}

copy_runtime() {
  local component="$1" rel files=()
  while IFS= read -r rel; do files+=("$rel"); done < <(runtime_files "$component")
  for rel in "${files[@]}"; do
    run mkdir -p -- "$dest_root$prefix/$(dirname -- "$rel")"
    run install -m "$( [[ $rel == bin/* ]] && echo 0755 || echo 0644)" -- "$source_dir/$rel" "$dest_root$prefix/$rel"
  done
  # Server settings the broker's launcher reads (Payara Micro boot commands, logging).
  if [ "$component" = broker ] && [ -d "$source_dir/server-config/payara-micro" ]; then
    copy_tree "$source_dir/server-config/payara-micro" "$dest_root$prefix/server-config/payara-micro"
  fi
}

# copy_tree SRC DEST: a fresh copy of SRC's files without build output (target/) or pom.xml.
copy_tree() {
  local src="$1" dest="$2"
  if $dry_run; then
    printf '+ copy %s/ to %s/ (without target/ and pom.xml)\n' "$src" "$dest"
    return
  fi
  rm -rf -- "$dest"
  mkdir -p -- "$dest"
  (cd -- "$src" && tar --exclude=./target --exclude=./pom.xml -cf - .) | (cd -- "$dest" && tar --no-same-owner -xf -)
}

# The folder of the java the installer would run, for a service PATH: service managers start
# with a minimal PATH that misses e.g. /opt/jdk/bin or Homebrew's openjdk.
java_dir() {
  local java
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    printf '%s' "$JAVA_HOME/bin"
  elif java="$(command -v java 2>/dev/null)"; then
    dirname -- "$java"
  fi
}
