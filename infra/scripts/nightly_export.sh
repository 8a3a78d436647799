#!/usr/bin/env bash
# Nightly export: yesterday's risk book (mode-tagged) and the runtime's JSON log events to parquet
# under EXPORT_DIR/risk-book_<day>_<next day>/ (`tradeai export`). For cron, e.g. in /etc/cron.d/tradeai:
#
#   30 1 * * *  tradeai  /opt/tradeai/infra/scripts/nightly_export.sh >> /var/log/tradeai-export.log 2>&1
#
# or the systemd timer beside the service (infra/systemd/tradeai-export.timer).
#
# The logs come from the journal of the tradeai unit (journalctl, when the user may read it; with
# LOG_FORMAT=json the lines are JSON events) or from TRADEAI_LOG_FILE when set. Settings come from the
# environment or, when unset there, from TRADEAI_ENV_FILE (default /etc/tradeai/tradeai.env):
# DATABASE_URL, STORE_BACKEND, EXPORT_DIR (default /opt/tradeai/data/exports).
# Exit status: tradeai's (0 written, 1 failed: nothing partial left, 2 bad input, e.g. the day was
# exported already).
set -euo pipefail

env_file=${TRADEAI_ENV_FILE:-/etc/tradeai/tradeai.env}

log() { printf '%s nightly_export: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

# shellcheck source=infra/scripts/env_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/env_lib.sh"

for key in DATABASE_URL STORE_BACKEND EXPORT_DIR; do
    [[ -n ${!key:-} ]] || printf -v "$key" '%s' "$(read_env "$key")"
    if [[ -n ${!key:-} ]]; then export "${key?}"; fi
done
out=${EXPORT_DIR:-/opt/tradeai/data/exports}
since=$(date -u -d yesterday +%Y-%m-%d)
until=$(date -u +%Y-%m-%d)

find_tradeai

logs=()
if [[ -n ${TRADEAI_LOG_FILE:-} ]]; then
    logs=(--logs "$TRADEAI_LOG_FILE")
elif command -v journalctl >/dev/null 2>&1; then
    journal=$(mktemp)
    trap 'rm -f "$journal"' EXIT
    if journalctl -u tradeai -o cat --since "$since 00:00:00 UTC" --until "$until 00:00:00 UTC" > "$journal" 2>/dev/null; then
        logs=(--logs "$journal")
    else
        log "the journal of tradeai cannot be read by $(id -un): exporting the risk book without logs"
    fi
fi

log "exporting $since to $out"
exec "$tradeai_bin" export --since "$since" --until "$until" --out "$out" "${logs[@]}"
