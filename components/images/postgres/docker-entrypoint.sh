#!/usr/bin/env bash
# The postgres image's entrypoint, with the upstream image's conventions:
#  - POSTGRES_PASSWORD (required on first start), POSTGRES_USER (default postgres),
#    POSTGRES_DB (default $POSTGRES_USER), PGDATA, POSTGRES_INITDB_ARGS;
#  - on an empty PGDATA: initdb, password (SCRAM) auth for TCP from anywhere, then the
#    /docker-entrypoint-initdb.d/ scripts (*.sh executed or sourced, *.sql through psql) against
#    a server listening only on its Unix socket (with the command's settings); they run once, as
#    the data directory then exists;
#  - then `exec postgres "$@"` with the container's command.
set -Eeuo pipefail

log() { echo "postgres-entrypoint: $*" >&2; }

# Flags only (e.g. `-c wal_level=logical`): they are postgres's.
if [ "$#" -eq 0 ] || [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

if [ "$1" != 'postgres' ]; then
    exec "$@"
fi

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"

mkdir -p "$PGDATA"
chmod 700 "$PGDATA" 2>/dev/null || log "cannot chmod 700 $PGDATA (owner: $(stat -c %u "$PGDATA"), we are $(id -u))"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        log "the data directory $PGDATA is empty and POSTGRES_PASSWORD is not set: set it (the superuser's password) and start again"
        exit 1
    fi
    if [ -n "$(ls -A "$PGDATA")" ]; then
        log "$PGDATA holds files but no PG_VERSION: not a data directory initdb can use; point PGDATA at an empty subdirectory"
        exit 1
    fi
    log "initialising $PGDATA for user $POSTGRES_USER"
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
        ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
    {
        echo
        echo "# Added by the image: password (SCRAM) logins over TCP from anywhere."
        echo "host all all all scram-sha-256"
        echo "host replication all all scram-sha-256"
    } >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"

    # A server for the init scripts on the Unix socket only (nothing outside sees it half-made),
    # with the container's settings (e.g. wal_level=logical, which CREATE PUBLICATION wants).
    pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${@:2}") -c listen_addresses='' -p 5432" -w -t 120 start
    export PGHOST=/var/run/postgresql PGPORT=5432
    if [ "$POSTGRES_DB" != 'postgres' ]; then
        psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sh)
                if [ -x "$f" ]; then
                    log "running $f"
                    "$f"
                else
                    log "sourcing $f"
                    # shellcheck disable=SC1090
                    . "$f"
                fi
                ;;
            *.sql)
                log "running $f"
                psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$f"
                ;;
            *) log "ignoring $f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w -t 120 stop
    unset PGHOST PGPORT
    log "initialisation complete"
fi

exec "$@"
