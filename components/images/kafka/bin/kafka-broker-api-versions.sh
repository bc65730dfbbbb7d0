#!/usr/bin/env bash
# Asks a broker for its API versions (the health check): kafka-broker-api-versions.sh --bootstrap-server host:port
exec "$(dirname "$0")/kafka-run-class.sh" kafka.admin.BrokerApiVersionsCommand "$@"
