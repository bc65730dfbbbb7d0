#!/usr/bin/env bash
# The zookeeper image's entrypoint (the upstream image's ZOO_* conventions). zoo.cfg is written
# from the environment at every start:
#   ZOO_DATA_DIR (/data; transaction logs too unless ZOO_DATA_LOG_DIR), ZOO_PORT (2181),
#   ZOO_TICK_TIME (2000), ZOO_INIT_LIMIT (5), ZOO_SYNC_LIMIT (2), ZOO_MAX_CLIENT_CNXNS (60),
#   ZOO_STANDALONE_ENABLED (true), ZOO_ADMINSERVER_ENABLED (true), ZOO_4LW_COMMANDS_WHITELIST (srvr),
#   ZOO_AUTOPURGE_PURGEINTERVAL (0), ZOO_AUTOPURGE_SNAPRETAINCOUNT (3), ZOO_MY_ID (myid),
#   ZOO_SERVERS (space-separated server.N=... lines), ZOO_CFG_EXTRA (space-separated key=value),
#   JVMFLAGS (default -Xmx256m). A command runs instead of the server.
set -Eeuo pipefail

if [ "$#" -gt 0 ] && [ "$1" != "zkServer.sh" ]; then
    exec "$@"
fi

CONF_DIR="${ZOO_CONF_DIR:-/conf}"
DATA_DIR="${ZOO_DATA_DIR:-/data}"
mkdir -p "$CONF_DIR" "$DATA_DIR"
CONFIG="$CONF_DIR/zoo.cfg"
{
    echo "# Written by the image's entrypoint from the ZOO_* environment."
    echo "dataDir=$DATA_DIR"
    [ -n "${ZOO_DATA_LOG_DIR:-}" ] && echo "dataLogDir=$ZOO_DATA_LOG_DIR"
    echo "clientPort=${ZOO_PORT:-2181}"
    echo "tickTime=${ZOO_TICK_TIME:-2000}"
    echo "initLimit=${ZOO_INIT_LIMIT:-5}"
    echo "syncLimit=${ZOO_SYNC_LIMIT:-2}"
    echo "maxClientCnxns=${ZOO_MAX_CLIENT_CNXNS:-60}"
    echo "standaloneEnabled=${ZOO_STANDALONE_ENABLED:-true}"
    echo "admin.enableServer=${ZOO_ADMINSERVER_ENABLED:-true}"
    echo "4lw.commands.whitelist=${ZOO_4LW_COMMANDS_WHITELIST:-srvr}"
    echo "autopurge.purgeInterval=${ZOO_AUTOPURGE_PURGEINTERVAL:-0}"
    echo "autopurge.snapRetainCount=${ZOO_AUTOPURGE_SNAPRETAINCOUNT:-3}"
    for server in ${ZOO_SERVERS:-}; do echo "$server"; done
    for extra in ${ZOO_CFG_EXTRA:-}; do echo "$extra"; done
} >"$CONFIG"
[ -n "${ZOO_DATA_LOG_DIR:-}" ] && mkdir -p "$ZOO_DATA_LOG_DIR"
if [ -n "${ZOO_MY_ID:-}" ] && [ ! -f "$DATA_DIR/myid" ]; then
    echo "$ZOO_MY_ID" >"$DATA_DIR/myid"
fi

# shellcheck disable=SC2086
exec java ${JVMFLAGS:--Xmx256m} -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:/opt/zookeeper/log4j.properties" -Dzookeeper.jmx.log4j.disable=true \
    -cp '/opt/zookeeper/lib/*' org.apache.zookeeper.server.quorum.QuorumPeerMain "$CONFIG"
