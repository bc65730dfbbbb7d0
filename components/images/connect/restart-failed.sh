#!/bin/bash
# Restarts the FAILED connectors and tasks of one Kafka Connect worker, with backoff.
#
# Kafka Connect never restarts a FAILED task by itself, and Debezium fails its task for good when
# PostgreSQL cannot be reached while the task starts (for instance while PostgreSQL's pod is being
# replaced): the pipeline would stay stopped until someone restarts it. This loop, started by the image's
# entrypoint next to the worker, asks the worker's REST API every AUTO_RESTART_INTERVAL_SECONDS for the
# connectors' status and restarts, through `POST /connectors/<name>/restart?includeTasks=true&onlyFailed=true`
# (Kafka >= 3.0), each connector of which this worker (WORKER_ID, `host:port` as Connect names it)
# runs a FAILED part. The n-th restart in a row of one connector waits
# AUTO_RESTART_BACKOFF_SECONDS * 2^(n-1) after the one before, at most AUTO_RESTART_MAX_BACKOFF_SECONDS;
# a connector seen RUNNING with every task RUNNING AUTO_RESTART_RESET_SECONDS after its last restart
# starts again from the first delay. Each restart is one log line with the reason (the first line of
# the trace) and when the next may come; a FAILED part on another worker is left to that worker.
#
# Environment: WORKER_ID (required), CONNECT_URL (default http://127.0.0.1:${REST_PORT:-8083}),
# AUTO_RESTART_INTERVAL_SECONDS (15), AUTO_RESTART_BACKOFF_SECONDS (15),
# AUTO_RESTART_MAX_BACKOFF_SECONDS (600), AUTO_RESTART_RESET_SECONDS (600). Needs curl and jq.
set -uo pipefail

URL="${CONNECT_URL:-http://127.0.0.1:${REST_PORT:-8083}}"
SELF="${WORKER_ID:?WORKER_ID (this worker as Connect names it, host:port) is required}"
INTERVAL="${AUTO_RESTART_INTERVAL_SECONDS:-15}"
FIRST="${AUTO_RESTART_BACKOFF_SECONDS:-15}"
MAX="${AUTO_RESTART_MAX_BACKOFF_SECONDS:-600}"
RESET="${AUTO_RESTART_RESET_SECONDS:-600}"

log() { echo "[connect-restarter $(date -u +%H:%M:%S)] $*" >&2; }

# One line per connector, fields split by the unit separator (a tab would merge an empty field): its
# name (URI-encoded), its name, what of it FAILED on this worker (empty when nothing), and 1 when the
# connector and every task (at least one) are RUNNING.
STATUS_LINES='to_entries[] | .value.status as $s | ($s.tasks // []) as $t
    | [ ($s.name | @uri), $s.name,
        ([ ($s.connector | select(.state == "FAILED" and .worker_id == $self) | "connector: " + ((.trace // "no trace") | split("\n")[0])),
           ($t[] | select(.state == "FAILED" and .worker_id == $self) | "task \(.id): " + ((.trace // "no trace") | split("\n")[0])) ] | join("; ")),
        (if $s.connector.state == "RUNNING" and ($t | length) > 0 and ($t | all(.state == "RUNNING")) then "1" else "0" end) ]
    | join("\u001f")'

declare -A restarts=() next=() last=()
log "restarting FAILED connectors and tasks of worker $SELF (every ${INTERVAL} s; backoff ${FIRST} s doubling to ${MAX} s)"
while :; do
    sleep "$INTERVAL"
    # The worker may be starting, rebalancing or gone for a moment: try again at the next round.
    body="$(curl -fsS --max-time 10 "$URL/connectors?expand=status" 2>/dev/null)" || continue
    lines="$(jq -r --arg self "$SELF" "$STATUS_LINES" <<<"$body" 2>/dev/null)" || continue
    now="$(date +%s)"
    while IFS=$'\x1f' read -r encoded name failed healthy; do
        [ -n "$encoded" ] || continue
        n="${restarts[$encoded]:-0}"
        if [ -n "$failed" ]; then
            ((now >= ${next[$encoded]:-0})) || continue
            n=$((n + 1))
            code="$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -X POST "$URL/connectors/$encoded/restart?includeTasks=true&onlyFailed=true" 2>/dev/null)"
            delay=$((FIRST * (1 << (n > 20 ? 20 : n - 1))))
            ((delay > MAX)) && delay=$MAX
            restarts[$encoded]=$n
            last[$encoded]=$now
            next[$encoded]=$((now + delay))
            log "connector $name: FAILED on this worker ($failed); restart $n in a row: HTTP ${code:-none}; next one not before ${delay} s"
        elif [ "$healthy" = 1 ] && ((n > 0 && now - ${last[$encoded]:-0} >= RESET)); then
            log "connector $name: RUNNING ${RESET} s after restart $n; the next failure restarts it at once"
            unset "restarts[$encoded]" "next[$encoded]" "last[$encoded]"
        fi
    done <<<"$lines"
done
