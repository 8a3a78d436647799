#!/usr/bin/env bash
# Roll a model role back to an earlier registered version: `tradeai model rollback TAG --reason REASON`.
# The earlier tag must be of the same role and have been promoted before; the registry
# (MODEL_DIR/registry.json), the MODEL_DIR/promoted/<role> link and a model_deployments row record it.
#
#   infra/scripts/rollback_model.sh v1.0.0 "v1.1.0 misses its calibration live"
#   make rollback-model TAG=v1.0.0 REASON="v1.1.0 misses its calibration live"
#
# Settings come from the environment or, when unset there, from TRADEAI_ENV_FILE (default
# /etc/tradeai/tradeai.env): MODEL_DIR, DATABASE_URL, STORE_BACKEND, TRADEAI_MODE. TRADEAI_BIN
# (default: tradeai on PATH, else /opt/tradeai/.venv/bin/tradeai). Exit codes are tradeai's: 0 rolled
# back, 1 refused or failed, 2 bad input (here also: a missing TAG or REASON).
set -euo pipefail

env_file=${TRADEAI_ENV_FILE:-/etc/tradeai/tradeai.env}

log() { printf '%s rollback_model: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() { log "error: $*"; exit 1; }
usage() { log "usage: $0 TAG REASON (e.g. $0 v1.0.0 \"calibration drifted\")"; exit 2; }

# shellcheck source=infra/scripts/env_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/env_lib.sh"

(( $# == 2 )) || usage
tag=$1
reason=$2
[[ -n $tag && -n ${reason//[[:space:]]/} ]] || usage

for key in MODEL_DIR DATABASE_URL STORE_BACKEND TRADEAI_MODE; do
    [[ -n ${!key:-} ]] || printf -v "$key" '%s' "$(read_env "$key")"
    if [[ -n ${!key:-} ]]; then export "${key?}"; fi
done

find_tradeai

log "rolling back to $tag: $reason"
exec "$tradeai_bin" model rollback "$tag" --reason "$reason"
