# shellcheck shell=bash
# What install-linux.sh and install-macos.sh share: the options (the seed's flags and env
# variables), their checks, the env files, and a runner that can print instead of act.
#
# The caller sets PROG, and the defaults DEFAULT_PREFIX, DEFAULT_CONFIG_DIR before calling
# parse_args, then reads the variables below.
# shellcheck disable=SC2034 # the variables set here are read by the installers

SEED_BROKER_VARS=(REMOTELLM_BROKER_HOST REMOTELLM_BROKER_PORT REMOTELLM_BROKER_CONNECTOR_TOKENS
  REMOTELLM_BROKER_USER_API_KEYS REMOTELLM_BROKER_CONNECTOR_CONFIG REMOTELLM_BROKER_HEALTH_PORT
  REMOTELLM_BROKER_LOG_LEVEL)
SEED_CONNECTOR_VARS=(REMOTELLM_LLM_URL REMOTELLM_LLM_API_KEY REMOTELLM_BROKER_URL
  REMOTELLM_BROKER_TOKEN REMOTELLM_MODELS REMOTELLM_HEALTH_PORT REMOTELLM_LOG_LEVEL)

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
# Values given on the command line; empty means "not given" (then the seed's env variable, then
# the default). Lists are kept as bash arrays until they are written.
opt_host="" opt_port="" opt_connector_config="" opt_broker_health_port="" opt_broker_log_level=""
opt_llm_url="" opt_llm_api_key="" opt_broker_url="" opt_broker_token=""
opt_connector_health_port="" opt_connector_log_level="" opt_health_port="" opt_log_level=""
opt_connector_tokens=() opt_user_api_keys=() opt_models=()

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

parse_args() {
  local word name optarg used
  while [ $# -gt 0 ]; do
    word="$1"
    name="${word%%=*}"
    used=1
    case "$name" in
      -h | --help) usage; exit 0 ;;
      --broker) want_broker=true ;;
      --connector) want_connector=true ;;
      --uninstall) action=uninstall ;;
      --purge) purge=true ;;
      --dry-run | -n) dry_run=true ;;
      --no-start) no_start=true ;;
      --dest-root | --prefix | --config-dir | --source | --service-user | --host | --port \
        | --connector-token | --user-api-key | --connector-config | --broker-health-port \
        | --broker-log-level | --llm-url | --llm-api-key | --broker-url | --broker-token \
        | --model | --connector-health-port | --connector-log-level | --health-port | --log-level)
        take_value "$name" "$@"
        case "$name" in
          --dest-root) dest_root="$optarg" ;;
          --prefix) prefix="$optarg" ;;
          --config-dir) config_dir="$optarg" ;;
          --source) source_dir="$optarg" ;;
          --service-user) service_user="$optarg" ;;
          --host) opt_host="$optarg" ;;
          --port) opt_port="$optarg" ;;
          --connector-token) opt_connector_tokens+=("$optarg") ;;
          --user-api-key) opt_user_api_keys+=("$optarg") ;;
          --connector-config) opt_connector_config="$optarg" ;;
          --broker-health-port) opt_broker_health_port="$optarg" ;;
          --broker-log-level) opt_broker_log_level="$optarg" ;;
          --llm-url) opt_llm_url="$optarg" ;;
          --llm-api-key) opt_llm_api_key="$optarg" ;;
          --broker-url) opt_broker_url="$optarg" ;;
          --broker-token) opt_broker_token="$optarg" ;;
          --model) opt_models+=("$optarg") ;;
          --connector-health-port) opt_connector_health_port="$optarg" ;;
          --connector-log-level) opt_connector_log_level="$optarg" ;;
          --health-port) opt_health_port="$optarg" ;;
          --log-level) opt_log_level="$optarg" ;;
        esac
        ;;
      *) usage_error "unknown option '$name'" ;;
    esac
    shift "$used"
  done

  # Neither named: both, as the seed's one-line install does. The checks below then say what a
  # connector still needs, and that --broker alone installs just the broker.
  if ! $want_broker && ! $want_connector; then
    want_broker=true
    want_connector=true
  fi
  if [ -n "$opt_health_port" ]; then
    if $want_broker && $want_connector; then
      usage_error "--health-port is ambiguous with both services: use --broker-health-port and --connector-health-port"
    fi
    if $want_broker; then opt_broker_health_port="$opt_health_port"; else opt_connector_health_port="$opt_health_port"; fi
  fi
  if [ -n "$opt_log_level" ]; then
    : "${opt_broker_log_level:=$opt_log_level}"
    : "${opt_connector_log_level:=$opt_log_level}"
  fi
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
  if [ -z "$source_dir" ]; then
    source_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)"
  fi
  [ -d "$source_dir" ] || die "--source $source_dir is not a directory"
  source_dir="$(cd -- "$source_dir" && pwd)"
}

# ---------------------------------------------------------------------------------------------
# Values: command line, else the seed's env variable, else the default.

join_commas() {
  local IFS=,
  printf '%s' "$*"
}

# No value may carry a line break or another control character: neither an env file nor a
# service manager can hold one safely, and no token or URL needs one.
check_text() {
  local what="$1" value="$2"
  if [[ "$value" == *[[:cntrl:]]* ]]; then
    die "$what contains a line break or control character"
  fi
}

check_port() {
  local what="$1" value="$2"
  if ! [[ "$value" =~ ^[0-9]+$ ]] || [ "$value" -lt 1 ] || [ "$value" -gt 65535 ]; then
    die "$what must be a port number (1-65535), not '$value'"
  fi
}

# The levels both launchers accept, in any case.
check_level() {
  local what="$1" value="$2"
  case "$(printf '%s' "$value" | tr '[:lower:]' '[:upper:]')" in
    DEBUG | INFO | WARNING | ERROR) ;;
    *) die "$what must be DEBUG, INFO, WARNING or ERROR, not '$value'" ;;
  esac
}

# A list item may not hold the comma that separates items in the env variable.
check_items() {
  local what="$1" item
  shift
  for item in "$@"; do
    check_text "$what" "$item"
    [ -n "$item" ] || die "$what may not be empty"
    [[ "$item" != *,* ]] || die "$what may not contain a comma (the env file keeps lists comma-separated)"
  done
}

# Sets broker_* from flags, the seed's REMOTELLM_BROKER_* variables and the defaults.
resolve_broker_values() {
  broker_host="${opt_host:-${REMOTELLM_BROKER_HOST:-0.0.0.0}}"
  broker_port="${opt_port:-${REMOTELLM_BROKER_PORT:-8443}}"
  broker_health_port="${opt_broker_health_port:-${REMOTELLM_BROKER_HEALTH_PORT:-8080}}"
  broker_log_level="${opt_broker_log_level:-${REMOTELLM_BROKER_LOG_LEVEL:-INFO}}"
  broker_connector_config="${opt_connector_config:-${REMOTELLM_BROKER_CONNECTOR_CONFIG:-$config_dir/connectors.yaml}}"
  local items=()
  if [ ${#opt_connector_tokens[@]} -gt 0 ]; then
    items=("${opt_connector_tokens[@]}")
  elif [ -n "${REMOTELLM_BROKER_CONNECTOR_TOKENS:-}" ]; then
    IFS=, read -r -a items <<<"$REMOTELLM_BROKER_CONNECTOR_TOKENS"
  fi
  check_items "a connector token" ${items[@]+"${items[@]}"}
  broker_connector_tokens="$(join_commas ${items[@]+"${items[@]}"})"
  items=()
  if [ ${#opt_user_api_keys[@]} -gt 0 ]; then
    items=("${opt_user_api_keys[@]}")
  elif [ -n "${REMOTELLM_BROKER_USER_API_KEYS:-}" ]; then
    IFS=, read -r -a items <<<"$REMOTELLM_BROKER_USER_API_KEYS"
  fi
  check_items "a user API key" ${items[@]+"${items[@]}"}
  broker_user_api_keys="$(join_commas ${items[@]+"${items[@]}"})"

  check_text "--host" "$broker_host"
  [ -n "$broker_host" ] || die "--host may not be empty"
  check_port "--port" "$broker_port"
  check_port "--broker-health-port" "$broker_health_port"
  [ "$broker_port" != "$broker_health_port" ] || die "the broker's --port and --broker-health-port must differ"
  check_level "--broker-log-level" "$broker_log_level"
  check_text "--connector-config" "$broker_connector_config"
  case "$broker_connector_config" in /*) ;; *) die "--connector-config must be an absolute path" ;; esac
}

# Sets connector_* likewise from the seed's connector variables. Refuses what the connector
# cannot run without: the broker's URL and a token.
resolve_connector_values() {
  connector_llm_url="${opt_llm_url:-${REMOTELLM_LLM_URL:-http://localhost:11434}}"
  connector_llm_api_key="${opt_llm_api_key:-${REMOTELLM_LLM_API_KEY:-}}"
  connector_broker_url="${opt_broker_url:-${REMOTELLM_BROKER_URL:-}}"
  connector_broker_token="${opt_broker_token:-${REMOTELLM_BROKER_TOKEN:-}}"
  # Two services on one machine cannot share the seed's default health port 8080: the
  # connector then takes 8081, as in the seed's quick start.
  local default_health=8080
  $want_broker && default_health=8081
  connector_health_port="${opt_connector_health_port:-${REMOTELLM_HEALTH_PORT:-$default_health}}"
  connector_log_level="${opt_connector_log_level:-${REMOTELLM_LOG_LEVEL:-INFO}}"
  local items=()
  if [ ${#opt_models[@]} -gt 0 ]; then
    items=("${opt_models[@]}")
  elif [ -n "${REMOTELLM_MODELS:-}" ]; then
    IFS=, read -r -a items <<<"$REMOTELLM_MODELS"
  fi
  check_items "a model name" ${items[@]+"${items[@]}"}
  connector_models="$(join_commas ${items[@]+"${items[@]}"})"

  # On a reinstall the existing env file holds them (and is kept).
  if [ -e "$dest_root$config_dir/connector.env" ]; then
    return
  fi
  local missing=()
  [ -n "$connector_broker_url" ] || missing+=("--broker-url (or REMOTELLM_BROKER_URL)")
  [ -n "$connector_broker_token" ] || missing+=("--broker-token (or REMOTELLM_BROKER_TOKEN)")
  if [ ${#missing[@]} -gt 0 ]; then
    local hint=""
    if $want_broker; then hint="; to install only the broker, pass --broker"; fi
    die "the connector needs $(join_commas "${missing[@]}" | sed 's/,/ and /g')$hint"
  fi
  check_text "--broker-url" "$connector_broker_url"
  [[ "$connector_broker_url" =~ ^wss?://[^[:space:]]+$ ]] \
    || die "--broker-url must be a ws:// or wss:// URL, e.g. wss://broker.example.com:8443/ws"
  check_text "--broker-token" "$connector_broker_token"
  check_text "--llm-url" "$connector_llm_url"
  [[ "$connector_llm_url" == demo || "$connector_llm_url" =~ ^https?://[^[:space:]]+$ ]] \
    || die "--llm-url must be an http:// or https:// URL, or 'demo'"
  check_text "--llm-api-key" "$connector_llm_api_key"
  check_port "--connector-health-port" "$connector_health_port"
  check_level "--connector-log-level" "$connector_log_level"
}

# ---------------------------------------------------------------------------------------------
# Env files, read alike by systemd's EnvironmentFile=, by bash's `.` and by the macOS wrapper.
#
# Every value is single-quoted. A single quote inside a value becomes '"'"' : systemd, unlike
# bash, takes the '\'' idiom's backslash-quote as the start of an unquoted run in which later
# quotes are literal, so only the double-quoted form reads the same in both. Inside single
# quotes neither reads $, `, \, spaces or # specially.

env_quote() {
  local value="$1" q="'"
  printf "'%s'" "${value//$q/$q\"$q\"$q}"
}

env_line() {
  printf '%s=%s\n' "$1" "$(env_quote "$2")"
}

# Prints the broker's env file.
broker_env_text() {
  cat <<EOF
# RemoteLLM broker settings: the seed's variables, read by the service at start.
# Lists are comma-separated. Every value is in single quotes; to put a ' in a value write '"'"'
# (this file is read both as a systemd EnvironmentFile and by bash, which agree on that form).
# After a change: restart the service.
EOF
  env_line REMOTELLM_BROKER_HOST "$broker_host"
  env_line REMOTELLM_BROKER_PORT "$broker_port"
  env_line REMOTELLM_BROKER_HEALTH_PORT "$broker_health_port"
  if [ -n "$broker_connector_tokens" ]; then
    env_line REMOTELLM_BROKER_CONNECTOR_TOKENS "$broker_connector_tokens"
  else
    echo "# REMOTELLM_BROKER_CONNECTOR_TOKENS='token-1,token-2'"
  fi
  if [ -n "$broker_user_api_keys" ]; then
    env_line REMOTELLM_BROKER_USER_API_KEYS "$broker_user_api_keys"
  else
    echo "# REMOTELLM_BROKER_USER_API_KEYS='sk-user-key-1,sk-user-key-2'"
  fi
  env_line REMOTELLM_BROKER_CONNECTOR_CONFIG "$broker_connector_config"
  env_line REMOTELLM_BROKER_LOG_LEVEL "$broker_log_level"
  echo "# REMOTELLM_BROKER_TRUSTED_PROXIES='127.0.0.1'   (behind a reverse proxy: its address or CIDR range)"
  echo "# JAVA_OPTS='-Xmx1g'   (JVM options for Payara Micro)"
}

# Prints the connector's env file.
connector_env_text() {
  cat <<EOF
# RemoteLLM connector settings: the seed's variables, read by the service at start.
# Lists are comma-separated. Every value is in single quotes; to put a ' in a value write '"'"'
# (this file is read both as a systemd EnvironmentFile and by bash, which agree on that form).
# After a change: restart the service.
EOF
  env_line REMOTELLM_LLM_URL "$connector_llm_url"
  if [ -n "$connector_llm_api_key" ]; then
    env_line REMOTELLM_LLM_API_KEY "$connector_llm_api_key"
  else
    echo "# REMOTELLM_LLM_API_KEY='key-of-the-local-llm'   (only if it needs one)"
  fi
  env_line REMOTELLM_BROKER_URL "$connector_broker_url"
  env_line REMOTELLM_BROKER_TOKEN "$connector_broker_token"
  if [ -n "$connector_models" ]; then
    env_line REMOTELLM_MODELS "$connector_models"
  else
    echo "# REMOTELLM_MODELS='llama3.2,codellama'   (unset: the models the LLM lists)"
  fi
  env_line REMOTELLM_HEALTH_PORT "$connector_health_port"
  env_line REMOTELLM_LOG_LEVEL "$connector_log_level"
  echo "# REMOTELLM_CONNECTOR_JAVA_OPTS='-Xmx512m'   (JVM options; replaces the launcher's small-footprint defaults)"
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

# True when the operator named a value for this component on the command line or in the
# environment: worth a warning when an existing env file wins over it.
broker_values_given() {
  local v
  [ -n "$opt_host$opt_port$opt_connector_config$opt_broker_health_port$opt_broker_log_level" ] && return 0
  [ ${#opt_connector_tokens[@]} -gt 0 ] || [ ${#opt_user_api_keys[@]} -gt 0 ] && return 0
  for v in "${SEED_BROKER_VARS[@]}"; do [ -n "${!v:-}" ] && return 0; done
  return 1
}
connector_values_given() {
  local v
  [ -n "$opt_llm_url$opt_llm_api_key$opt_broker_url$opt_broker_token$opt_connector_health_port$opt_connector_log_level" ] && return 0
  [ ${#opt_models[@]} -gt 0 ] && return 0
  for v in "${SEED_CONNECTOR_VARS[@]}"; do [ -n "${!v:-}" ] && return 0; done
  return 1
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
      server-config/payara-micro-launcher/target/remotellm-broker-launcher.jar \
      server-config/payara-micro-launcher/target/remotellm-payara-micro-logging.jar
  else
    printf '%s\n' bin/remotellm-connector connector-app/target/remotellm-connector.jar
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
