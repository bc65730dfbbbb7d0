#!/usr/bin/env bash
# Produces stdin's lines: kafka-console-producer.sh --bootstrap-server host:port --topic <topic>
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.ConsoleProducer "$@"
