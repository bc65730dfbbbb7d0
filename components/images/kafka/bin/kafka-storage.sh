#!/usr/bin/env bash
# KRaft storage tool: kafka-storage.sh format --cluster-id=<cluster id> -c <server.properties> | info -c ... | random-uuid
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
