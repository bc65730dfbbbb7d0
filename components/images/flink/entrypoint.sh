#!/bin/bash
# Entrypoint of the project's Flink image: one image, three roles, the conventions of the workload
# spec (components/flink.ts):
#   jobmanager [<host>] [-D key=value | -Dkey=value ...]   StandaloneSessionClusterEntrypoint
#   taskmanager [-D key=value | -Dkey=value ...]            TaskManagerRunner
#   bin/sql-gateway.sh start-foreground [-Dkey=value ...]   SqlGateway (any other command is exec'd as is)
# FLINK_PROPERTIES (newline-separated `key: value`) replaces or adds keys of config.base.yaml in
# conf/config.yaml; ENABLE_BUILT_IN_PLUGINS (`;`-separated jar names of opt/) enables plugins under plugins/.
# EXTRA_CA_CERTS (PEM, one or more CA certificates): trusted by the JVM beside its own CAs (a company CA
# of the stack's Nessie or S3 store, lakehouse:external.<service>.caCert), through a trust store made at start.
# REST_TLS_CERT, REST_TLS_KEY, REST_TLS_CA (PEM; lakehouse:flink.tls): the REST API and the SQL Gateway serve
# HTTPS with that certificate and key, and trust that CA as REST clients (the gateway submitting to the JobManager).
# The JVMs run on the harness's classpath (lib/) with the harness's flags (harness/flink/config.ts);
# their memory flags are derived by Flink's BashJavaUtils from the configured process sizes, as
# Flink's own scripts do.
set -euo pipefail

FLINK_HOME=/opt/flink
export FLINK_HOME FLINK_CONF_DIR="${FLINK_CONF_DIR:-$FLINK_HOME/conf}" FLINK_PLUGINS_DIR="${FLINK_PLUGINS_DIR:-$FLINK_HOME/plugins}"
log() { echo "[flink-entrypoint $(date -u +%H:%M:%S)] $*" >&2; }

write_config() {
    local base="$FLINK_HOME/config.base.yaml" out="$FLINK_CONF_DIR/config.yaml"
    mkdir -p "$FLINK_CONF_DIR" /tmp/flink/web /tmp/flink/web-upload /tmp/flink/blob
    # Later lines win: base, then FLINK_PROPERTIES. Comments and blank lines are dropped; keys stay unique
    # (config.yaml is standard YAML, where a repeated key is an error).
    { grep -v '^[[:space:]]*\(#\|$\)' "$base"; printf '%s\n' "${FLINK_PROPERTIES:-}"; } | awk '
        /^[[:space:]]*(#|$)/ { next }
        {
            i = index($0, ":"); if (i == 0) { print "FLINK_PROPERTIES: line without key: value: " $0 > "/dev/stderr"; exit 2 }
            k = substr($0, 1, i - 1); v = substr($0, i + 1)
            gsub(/^[[:space:]]+|[[:space:]]+$/, "", k); gsub(/^[[:space:]]+|[[:space:]]+$/, "", v)
            if (!(k in val)) order[n++] = k
            val[k] = v
        }
        END { print "# Written by the image entrypoint from config.base.yaml and FLINK_PROPERTIES."; for (j = 0; j < n; j++) print order[j] ": " val[order[j]] }
    ' > "$out.tmp"
    mv "$out.tmp" "$out"
    # Flink 1.20 prefers a legacy flink-conf.yaml over config.yaml: never leave one.
    rm -f "$FLINK_CONF_DIR/flink-conf.yaml"
    [ -f "$FLINK_CONF_DIR/log4j2.properties" ] || cp "$FLINK_HOME/log4j2.properties" "$FLINK_CONF_DIR/log4j2.properties"
}

enable_plugins() {
    mkdir -p "$FLINK_PLUGINS_DIR"
    [ -n "${ENABLE_BUILT_IN_PLUGINS:-}" ] || return 0
    local jar src name
    IFS=';' read -ra jars <<< "$ENABLE_BUILT_IN_PLUGINS"
    for jar in "${jars[@]}"; do
        jar="$(echo "$jar" | tr -d '[:space:]')"
        [ -n "$jar" ] || continue
        src="$FLINK_HOME/opt/$jar"
        if [ ! -f "$src" ]; then
            # Same plugin, another 1.20.x patch release (the one the Maven repository had; see extra-artifacts.txt).
            name="$(echo "$jar" | sed -E 's/-[0-9]+\.[0-9]+\.[0-9]+\.jar$//')"
            src="$(ls "$FLINK_HOME"/opt/"$name"-1.20.*.jar 2>/dev/null | head -n 1 || true)"
            [ -n "$src" ] || { log "ENABLE_BUILT_IN_PLUGINS: $jar is not in $FLINK_HOME/opt (has: $(ls "$FLINK_HOME/opt" | tr '\n' ' '))"; exit 1; }
            log "ENABLE_BUILT_IN_PLUGINS: $jar -> $(basename "$src") (the 1.20.x release this image holds)"
        fi
        name="$(basename "$jar" .jar)"
        mkdir -p "$FLINK_PLUGINS_DIR/$name"
        ln -sfn "$src" "$FLINK_PLUGINS_DIR/$name/$(basename "$src")"
        log "enabled plugin $name"
    done
}

# The JVM flags that trust EXTRA_CA_CERTS (none without it), set by trust_extra_cas.
TRUST_FLAGS=()

# A PKCS12 trust store of the JVM's own CAs and each certificate of EXTRA_CA_CERTS, made anew on every start
# (its password guards integrity only: the store holds public certificates); the JVMs get it by TRUST_FLAGS.
trust_extra_cas() {
    [ -n "${EXTRA_CA_CERTS:-}" ] || return 0
    local dir=/tmp/flink/trust pass=changeit cacerts="$JAVA_HOME/lib/security/cacerts" f n=0
    local store="$dir/truststore.p12"
    rm -rf "$dir"
    mkdir -p "$dir"
    keytool -importkeystore -noprompt -srckeystore "$cacerts" -srcstorepass "$pass" -destkeystore "$store" -deststoretype PKCS12 \
        -deststorepass "$pass" >"$dir/keytool.log" 2>&1 || { cat "$dir/keytool.log" >&2; log "EXTRA_CA_CERTS: copying the JVM's CAs from $cacerts failed"; exit 1; }
    printf '%s\n' "$EXTRA_CA_CERTS" | awk -v dir="$dir" '
        /-----BEGIN CERTIFICATE-----/ { n++; f = sprintf("%s/extra-%d.pem", dir, n) }
        f { print > f }
        /-----END CERTIFICATE-----/ { close(f); f = "" }'
    for f in "$dir"/extra-*.pem; do
        [ -f "$f" ] || { log "EXTRA_CA_CERTS holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)"; exit 2; }
        keytool -importcert -noprompt -alias "lakehouse-$(basename "$f" .pem)" -file "$f" -keystore "$store" -storetype PKCS12 -storepass "$pass" \
            >"$dir/keytool.log" 2>&1 || { cat "$dir/keytool.log" >&2; log "EXTRA_CA_CERTS: $(basename "$f") is not a certificate keytool reads"; exit 2; }
        n=$((n + 1))
    done
    TRUST_FLAGS=("-Djavax.net.ssl.trustStore=$store" -Djavax.net.ssl.trustStoreType=PKCS12 "-Djavax.net.ssl.trustStorePassword=$pass")
    log "trusting $n CA certificate(s) of EXTRA_CA_CERTS beside the JVM's own"
}

# HTTPS on the REST endpoints (REST_TLS_CERT, REST_TLS_KEY, REST_TLS_CA): a PKCS12 key store of the certificate
# and its key and a trust store of the CA, made anew on every start under a password of this start's own, and
# Flink's security.ssl.rest.* settings for them added to FLINK_PROPERTIES. The key is written nowhere else and
# leaves the environment of the JVMs.
# Flink's default cipher suite (TLS_RSA_WITH_AES_128_CBC_SHA) is disabled in the JRE (jdk.tls.disabledAlgorithms
# TLS_RSA_*): its REST client (the gateway submitting a job) could not build a TLS handler. ECDHE with AES-GCM, for
# RSA and EC keys.
REST_TLS_CIPHERS=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256

rest_tls() {
    [ -n "${REST_TLS_CERT:-}" ] || return 0
    [ -n "${REST_TLS_KEY:-}" ] || { log "REST_TLS_CERT is set without REST_TLS_KEY (the certificate's private key)"; exit 2; }
    [ -n "${REST_TLS_CA:-}" ] || { log "REST_TLS_CERT is set without REST_TLS_CA (the CA the REST clients trust)"; exit 2; }
    local dir=/tmp/flink/rest-tls subject
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 700 "$dir"
    REST_TLS_PASS="$(openssl rand -hex 24)"
    export REST_TLS_PASS
    (umask 077 && printf '%s\n' "$REST_TLS_KEY" >"$dir/key.pem")
    printf '%s\n' "$REST_TLS_CERT" >"$dir/cert.pem"
    printf '%s\n' "$REST_TLS_CA" >"$dir/ca.pem"
    if ! openssl pkcs12 -export -in "$dir/cert.pem" -inkey "$dir/key.pem" -name flink-rest -out "$dir/keystore.p12" -passout env:REST_TLS_PASS >"$dir/openssl.log" 2>&1; then
        rm -f "$dir/key.pem"
        cat "$dir/openssl.log" >&2
        log "REST_TLS_CERT and REST_TLS_KEY: making the key store failed (are they a certificate and its private key?)"
        exit 2
    fi
    rm -f "$dir/key.pem"
    keytool -importcert -noprompt -alias flink-rest-ca -file "$dir/ca.pem" -keystore "$dir/truststore.p12" -storetype PKCS12 -storepass:env REST_TLS_PASS \
        >"$dir/keytool.log" 2>&1 || { cat "$dir/keytool.log" >&2; log "REST_TLS_CA is not a certificate keytool reads"; exit 2; }
    FLINK_PROPERTIES="${FLINK_PROPERTIES:-}
security.ssl.rest.enabled: true
security.ssl.rest.keystore: $dir/keystore.p12
security.ssl.rest.keystore-password: $REST_TLS_PASS
security.ssl.rest.key-password: $REST_TLS_PASS
security.ssl.rest.truststore: $dir/truststore.p12
security.ssl.rest.truststore-password: $REST_TLS_PASS
security.ssl.algorithms: $REST_TLS_CIPHERS"
    export FLINK_PROPERTIES
    unset REST_TLS_KEY REST_TLS_PASS
    subject="$(openssl x509 -in "$dir/cert.pem" -noout -subject 2>/dev/null | sed 's/^subject=//')"
    log "REST endpoints over HTTPS with the certificate of REST_TLS_CERT ($subject), trusting REST_TLS_CA"
}

# The module flags of Flink's shipped config.yaml (env.java.opts.all) and the harness's start-up flags.
JAVA17_MODULE_FLAGS=(
    -XX:+IgnoreUnrecognizedVMOptions
    --add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
    --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
    --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)
FAST_START_FLAGS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)
CLASSPATH_ARG="$FLINK_HOME/lib/*"
LOG_FLAGS=("-Dlog4j.configurationFile=file://$FLINK_CONF_DIR/log4j2.properties")

# BashJavaUtils prints its results as lines prefixed BASH_JAVA_UTILS_EXEC_RESULT: (JVM params, then dynamic configs).
bash_java_utils() {
    local out
    out="$(java -Xmx128m "${FAST_START_FLAGS[@]}" "${LOG_FLAGS[@]}" -classpath "$CLASSPATH_ARG" \
        org.apache.flink.runtime.util.bash.BashJavaUtils "$@" 2>&1)" || { echo "$out" >&2; log "BashJavaUtils $1 failed"; exit 1; }
    echo "$out" | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}

run_role() {
    local role="$1"; shift
    local main mode params jvm dynamic
    local -a args=() extra=()
    case "$role" in
        jobmanager)
            main=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint; mode=GET_JM_RESOURCE_PARAMS
            # jobmanager [<host>] [-D ...]: a first argument that is not an option is the address to advertise.
            if [ $# -gt 0 ] && [[ "$1" != -* ]]; then extra+=(--host "$1"); shift; fi ;;
        taskmanager)
            main=org.apache.flink.runtime.taskexecutor.TaskManagerRunner; mode=GET_TM_RESOURCE_PARAMS ;;
    esac
    args=("$@")
    params="$(bash_java_utils "$mode" --configDir "$FLINK_CONF_DIR" "${args[@]}")"
    jvm="$(echo "$params" | sed -n 1p)"
    dynamic="$(echo "$params" | sed -n 2p)"
    log "$role: JVM memory $jvm"
    # shellcheck disable=SC2206 # both are space-separated flag lists Flink generated
    local -a jvm_arr=($jvm) dyn_arr=($dynamic)
    exec java "${jvm_arr[@]}" "${FAST_START_FLAGS[@]}" "${JAVA17_MODULE_FLAGS[@]}" "${TRUST_FLAGS[@]}" ${JAVA_OPTS:-} "${LOG_FLAGS[@]}" \
        -classpath "$CLASSPATH_ARG" "$main" --configDir "$FLINK_CONF_DIR" "${extra[@]}" "${args[@]}" "${dyn_arr[@]}"
}

run_sql_gateway() {
    # bin/sql-gateway.sh start-foreground [-Dkey=value ...]; the gateway reads FLINK_CONF_DIR.
    [ "${1:-}" = "start-foreground" ] || { log "usage: bin/sql-gateway.sh start-foreground [-Dkey=value ...] (got: $*)"; exit 2; }
    shift
    exec java "-Xmx${SQL_GATEWAY_HEAP:-384m}" -Xms64m "${FAST_START_FLAGS[@]}" "${JAVA17_MODULE_FLAGS[@]}" "${TRUST_FLAGS[@]}" ${JAVA_OPTS:-} "${LOG_FLAGS[@]}" \
        -classpath "$CLASSPATH_ARG" org.apache.flink.table.gateway.SqlGateway "$@"
}

trust_extra_cas
if [ "${FLINK_ENTRYPOINT_SQL_GATEWAY:-}" = "1" ]; then
    # Started as bin/sql-gateway.sh after the entrypoint prepared the config.
    run_sql_gateway "$@"
fi

rest_tls
write_config
enable_plugins
cmd="${1:-}"
case "$cmd" in
    jobmanager | taskmanager)
        shift
        run_role "$cmd" "$@" ;;
    bin/sql-gateway.sh | sql-gateway.sh | "$FLINK_HOME/bin/sql-gateway.sh" | sql-gateway)
        shift
        run_sql_gateway "$@" ;;
    "")
        log "no command: expected jobmanager, taskmanager or bin/sql-gateway.sh start-foreground"; exit 2 ;;
    *)
        exec "$@" ;;
esac
