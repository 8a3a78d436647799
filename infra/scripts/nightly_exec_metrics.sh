#!/usr/bin/env bash
# Nightly execution-cost measurement: `tradeai exec measure` over the broker's exported tick files,
# writing DATA_DIR/execution_metrics_YYYY-MM-DD.json and switching the latest-link to it. The
# runtime picks the new p90 costs up at its next start. For cron, e.g. in /etc/cron.d/tradeai:
#
#   0 2 * * *  tradeai  /opt/tradeai/infra/scripts/nightly_exec_metrics.sh >> /var/log/tradeai-exec.log 2>&1
#
# or the systemd timer beside the service (infra/systemd/tradeai-exec-metrics.timer).
#
# What it does not do yet: fetch the ticks. Pulling them from MT5 (copy_ticks_range with the
# read-only EXEC_TICKS_LOGIN / EXEC_TICKS_PASSWORD / EXEC_TICKS_SERVER, never the trading account's)
# needs the MT5 adapter of a later issue. Until then the ticks must be exported into EXEC_TICKS_DIR
# (the MT5 terminal's "Export ticks", or a copy_ticks_range script writing CSV), one file per symbol
# named SYMBOL_..., e.g. BTCUSD_202501020000_202501022359.csv. This script never reads or prints
# the credentials.
#
# Settings come from the environment or, when unset there, from TRADEAI_ENV_FILE (default
# /etc/tradeai/tradeai.env): EXEC_TICKS_DIR (required), DATA_DIR, EXEC_MIN_SAMPLES,
# EXEC_MT5_TIME_ZONE; EXEC_TICKS_DAYS (default 30) measures only files changed in that many days.
# Exit status: tradeai's (0 ok, 1 a bad file: named, nothing written, the previous metrics kept).
set -euo pipefail

env_file=${TRADEAI_ENV_FILE:-/etc/tradeai/tradeai.env}
days=${EXEC_TICKS_DAYS:-30}

log() { printf '%s nightly_exec_metrics: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { log "error: $*"; exit 1; }

# shellcheck source=infra/scripts/env_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/env_lib.sh"

[[ $days =~ ^[1-9][0-9]*$ ]] || fail "EXEC_TICKS_DAYS must be a whole number >= 1, got '$days'"
for key in EXEC_TICKS_DIR DATA_DIR EXEC_MIN_SAMPLES EXEC_MT5_TIME_ZONE; do
    [[ -n ${!key:-} ]] || printf -v "$key" '%s' "$(read_env "$key")"
    if [[ -n ${!key:-} ]]; then export "${key?}"; fi
done
[[ -n ${EXEC_TICKS_DIR:-} ]] || fail "EXEC_TICKS_DIR is not set and not found in $env_file"
[[ -d $EXEC_TICKS_DIR ]] || fail "EXEC_TICKS_DIR $EXEC_TICKS_DIR is not a folder"

find_tradeai

mapfile -t ticks < <(find "$EXEC_TICKS_DIR" -maxdepth 1 -type f -mtime "-$days" \
    \( -name '*.csv' -o -name '*.csv.gz' -o -name '*.tsv' -o -name '*.txt' \) | sort)
(( ${#ticks[@]} > 0 )) || fail "no tick files changed in the last $days days in $EXEC_TICKS_DIR; the metrics were kept"

log "measuring ${#ticks[@]} file(s) from $EXEC_TICKS_DIR"
"$tradeai_bin" exec measure "${ticks[@]}" || fail "tradeai exec measure failed; the previous metrics were kept"
