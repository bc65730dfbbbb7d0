#!/bin/bash
# Entrypoint of the project's Kafka Connect image (distributed worker, Debezium PostgreSQL plugin on
# plugin.path), with the environment conventions the workload spec uses (components/connect.ts):
#   BOOTSTRAP_SERVERS, GROUP_ID, CONFIG_STORAGE_TOPIC, OFFSET_STORAGE_TOPIC, STATUS_STORAGE_TOPIC (required)
#   KEY_CONVERTER, VALUE_CONVERTER (default JsonConverter), HEAP_OPTS (default -Xms256m -Xmx768m)
#   CONNECT_<KEY>=<value> -> worker property <key> (lower case, '_' -> '.'), e.g.
#     CONNECT_CONFIG_PROVIDERS_ENV_CLASS -> config.providers.env.class
#   ADVERTISED_HOST_NAME (default: this container's IP address), REST_PORT (default 8083)
#   AUTO_RESTART_FAILED (default true): run restart-failed.sh next to the worker, which restarts this
#     worker's FAILED connectors and tasks with backoff (its AUTO_RESTART_* variables tune it)
# The worker properties are written anew on every start; then the JVM is exec'd (PID 1 gets signals).
set -euo pipefail

CONNECT_HOME=/opt/connect
CONFIG_DIR="$CONNECT_HOME/config"
PROPS="$CONFIG_DIR/connect-distributed.properties"
log() { echo "[connect-entrypoint $(date -u +%H:%M:%S)] $*" >&2; }

for v in BOOTSTRAP_SERVERS GROUP_ID CONFIG_STORAGE_TOPIC OFFSET_STORAGE_TOPIC STATUS_STORAGE_TOPIC; do
    if [ -z "${!v:-}" ]; then log "the environment variable $v is required (see components/connect.ts)"; exit 2; fi
done

# This container's own address: what other workers and the REST API's redirects use to reach it.
if [ -z "${ADVERTISED_HOST_NAME:-}" ]; then
    ADVERTISED_HOST_NAME="$(hostname -i 2>/dev/null | awk '{print $1}')"
    [ -n "$ADVERTISED_HOST_NAME" ] || ADVERTISED_HOST_NAME="$(hostname)"
fi
REST_PORT="${REST_PORT:-8083}"

# Java properties value escaping: backslashes first, then line breaks (a PEM certificate is several lines).
esc() {
    local v="${1//\\/\\\\}"
    printf '%s' "${v//$'\n'/\\n}"
}

declare -A props=(
    [bootstrap.servers]="$BOOTSTRAP_SERVERS"
    [group.id]="$GROUP_ID"
    [config.storage.topic]="$CONFIG_STORAGE_TOPIC"
    [offset.storage.topic]="$OFFSET_STORAGE_TOPIC"
    [status.storage.topic]="$STATUS_STORAGE_TOPIC"
    [key.converter]="${KEY_CONVERTER:-org.apache.kafka.connect.json.JsonConverter}"
    [value.converter]="${VALUE_CONVERTER:-org.apache.kafka.connect.json.JsonConverter}"
    [listeners]="http://0.0.0.0:$REST_PORT"
    [rest.advertised.host.name]="$ADVERTISED_HOST_NAME"
    [rest.advertised.port]="$REST_PORT"
    [plugin.path]="$CONNECT_HOME/plugins"
    [offset.flush.interval.ms]="5000"
    [topic.creation.enable]="true"
)
# CONNECT_<KEY> overrides (and adds) worker properties (the names from bash itself: values may span lines).
while read -r name; do
    key="$(printf '%s' "${name#CONNECT_}" | tr '[:upper:]' '[:lower:]' | tr '_' '.')"
    [ -n "$key" ] && props[$key]="${!name}"
done < <(compgen -e | grep '^CONNECT_' || true)

mkdir -p "$CONFIG_DIR"
{
    echo "# Written by the image entrypoint from the environment; rewritten on every start."
    for k in $(printf '%s\n' "${!props[@]}" | sort); do
        printf '%s=%s\n' "$k" "$(esc "${props[$k]}")"
    done
} > "$PROPS.tmp"
mv "$PROPS.tmp" "$PROPS"
log "worker group ${GROUP_ID} on ${BOOTSTRAP_SERVERS}, REST advertised as ${ADVERTISED_HOST_NAME}:${REST_PORT}, plugins: $(ls "$CONNECT_HOME/plugins" | tr '\n' ' ')"

case "${AUTO_RESTART_FAILED:-true}" in
    true) WORKER_ID="$ADVERTISED_HOST_NAME:$REST_PORT" REST_PORT="$REST_PORT" "$CONNECT_HOME/restart-failed.sh" & ;;
    false) log "AUTO_RESTART_FAILED=false: a FAILED connector or task stays FAILED until restarted" ;;
    *) log "AUTO_RESTART_FAILED must be true or false, not '${AUTO_RESTART_FAILED}'"; exit 2 ;;
esac

# shellcheck disable=SC2086 # HEAP_OPTS and JAVA_OPTS are space-separated flag lists
exec java ${HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    ${JAVA_OPTS:-} "-Dlog4j.configuration=file:$CONNECT_HOME/log4j.properties" "-Dkafka.logs.dir=$CONNECT_HOME/logs" \
    -cp "$CONNECT_HOME/libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$PROPS"
