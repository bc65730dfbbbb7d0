#!/usr/bin/env bash
# The part of ZooKeeper's zkServer.sh the image needs: `zkServer.sh status` asks the local server
# `srvr` (a four-letter word the entrypoint whitelists) over bash's /dev/tcp, prints its mode and
# exits 0 when it serves (standalone, leader or follower), 1 otherwise. `start-foreground` runs the
# server (the entrypoint).
set -uo pipefail
CONFIG="${ZOO_CONF_DIR:-/conf}/zoo.cfg"
case "${1:-}" in
    status)
        port="$(sed -n 's/^clientPort=//p' "$CONFIG" 2>/dev/null | tail -n 1)"
        port="${port:-${ZOO_PORT:-2181}}"
        if ! exec 3<>"/dev/tcp/127.0.0.1/$port"; then
            echo "Error contacting service. It is probably not running." >&2
            exit 1
        fi
        printf 'srvr' >&3
        answer="$(timeout 5 cat <&3)"
        exec 3<&-
        mode="$(printf '%s\n' "$answer" | sed -n 's/^Mode: //p')"
        echo "Client port found: $port. Client address: 127.0.0.1."
        case "$mode" in
            standalone | leader | follower | observer)
                echo "Mode: $mode"
                exit 0
                ;;
        esac
        echo "Error contacting service. It is probably not running (answer: ${answer:-none})." >&2
        exit 1
        ;;
    start-foreground)
        exec /usr/local/bin/docker-entrypoint.sh
        ;;
    *)
        echo "usage: zkServer.sh status | start-foreground" >&2
        exit 2
        ;;
esac
