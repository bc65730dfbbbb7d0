#!/usr/bin/env bash
# Runs a class on the broker's classpath with a small client JVM (what the upstream scripts do):
#   kafka-run-class.sh <main class> [args...]
# KAFKA_TOOLS_HEAP_OPTS sizes the heap (default -Xmx256m), so a tool beside the broker stays small.
set -euo pipefail
if [ "$#" -lt 1 ]; then
    echo "usage: kafka-run-class.sh <main class> [args...]" >&2
    exit 2
fi
class="$1"
shift
# shellcheck disable=SC2086
exec java ${KAFKA_TOOLS_HEAP_OPTS:--Xmx256m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:/opt/kafka/config/tools-log4j.properties" \
    -cp '/opt/kafka/libs/*' "$class" "$@"
