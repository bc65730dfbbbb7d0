#!/usr/bin/env bash
# The kafka image's entrypoint (the upstream apache/kafka image's conventions):
#  - every KAFKA_<NAME> variable is a server property: lower-cased, `___` -> `-`, `__` -> `_`,
#    `_` -> `.` (KAFKA_LOG_DIRS -> log.dirs), except the JVM ones (KAFKA_HEAP_OPTS, KAFKA_OPTS,
#    KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS, KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS, KAFKA_DEBUG, KAFKA_TOOLS_HEAP_OPTS);
#  - CLUSTER_ID formats the log dir(s) once (a formatted dir is kept: topics survive restarts);
#  - KAFKA_HEAP_OPTS sizes the heap (default -Xmx1G -Xms1G);
#  - a command (e.g. `kafka-broker-api-versions.sh ...`) runs instead of the broker.
set -Eeuo pipefail

log() { echo "kafka-entrypoint: $*" >&2; }

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

CONFIG=/opt/kafka/config/server.properties
JVM_VARS=" KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_LOG4J_OPTS KAFKA_GC_LOG_OPTS KAFKA_JMX_OPTS KAFKA_DEBUG KAFKA_HOME KAFKA_TOOLS_HEAP_OPTS "

{
    echo "# Written by the image's entrypoint from the KAFKA_* environment at $(date -u +%FT%TZ)."
    while IFS='=' read -r name _; do
        case "$name" in KAFKA_*) ;; *) continue ;; esac
        case "$JVM_VARS" in *" $name "*) continue ;; esac
        key="${name#KAFKA_}"
        key="${key,,}"
        key="${key//___/-}"
        key="${key//__/@}"
        key="${key//_/.}"
        key="${key//@/_}"
        printf '%s=%s\n' "$key" "${!name}"
    done < <(env | LC_ALL=C sort)
} >"$CONFIG"

grep -q '^log\.dirs=' "$CONFIG" || echo "log.dirs=/var/lib/kafka/data" >>"$CONFIG"
LOG_DIRS="$(sed -n 's/^log\.dirs=//p' "$CONFIG")"

needs_format=false
IFS=',' read -ra dirs <<<"$LOG_DIRS"
for d in "${dirs[@]}"; do
    mkdir -p "$d"
    [ -f "$d/meta.properties" ] || needs_format=true
done

export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
JVM_PERF="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"

if [ "$needs_format" = true ]; then
    if [ -z "${CLUSTER_ID:-}" ]; then
        log "the log dir(s) $LOG_DIRS are not formatted and CLUSTER_ID is not set: set CLUSTER_ID (a base64url Uuid) and start again"
        exit 1
    fi
    log "formatting $LOG_DIRS for cluster $CLUSTER_ID"
    # --cluster-id=<id> in one word: a base64url id can start with "-", which as a separate word is read as an option.
    /opt/kafka/bin/kafka-storage.sh format --ignore-formatted "--cluster-id=$CLUSTER_ID" -c "$CONFIG"
fi

# shellcheck disable=SC2086
exec java $KAFKA_HEAP_OPTS $JVM_PERF ${KAFKA_OPTS:-} \
    "-Dlog4j.configuration=file:/opt/kafka/config/log4j.properties" -Dkafka.logs.dir=/opt/kafka/logs \
    -cp '/opt/kafka/libs/*' kafka.Kafka "$CONFIG"
