#!/usr/bin/env bash
# The minio image's entrypoint (the upstream image's convention): arguments are MinIO's
# (`server /data --address :9000 --console-address :9001`); MINIO_ROOT_USER, MINIO_ROOT_PASSWORD,
# MINIO_SITE_REGION and the other MINIO_* variables are read by the server itself. An argument that
# is a program on PATH other than a MinIO subcommand (e.g. `bash`) runs instead.
set -Eeuo pipefail
if [ "$#" -eq 0 ]; then
    set -- server /data
fi
MINIO_UID=1000
if [ "$(id -u)" = 0 ]; then
    # A volume written by an image that ran MinIO as root (the upstream image on Docker) is given to
    # uid 1000, keeping every object: MinIO as 1000 could read it but not write it.
    if [ -d /data ] && [ "$(stat -c %u /data)" != "$MINIO_UID" ]; then
        echo "docker-entrypoint: /data is owned by uid $(stat -c %u /data): giving it to uid $MINIO_UID (MinIO's user)" >&2
        chown -R "$MINIO_UID:$MINIO_UID" /data
    fi
    exec setpriv --reuid="$MINIO_UID" --regid="$MINIO_UID" --clear-groups "$0" "$@"
fi
case "$1" in
    server | -*) exec /usr/local/bin/minio "$@" ;;
    minio) shift; exec /usr/local/bin/minio "$@" ;;
esac
exec "$@"
