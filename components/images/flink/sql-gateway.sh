#!/bin/bash
# `bin/sql-gateway.sh start-foreground [-Dkey=value ...]`: the SQL Gateway on the image's classpath and
# config (see entrypoint.sh). Only start-foreground is supported (a container runs it in the foreground).
FLINK_ENTRYPOINT_SQL_GATEWAY=1 exec /opt/flink/bin/entrypoint.sh "$@"
