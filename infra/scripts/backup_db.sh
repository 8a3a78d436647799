#!/usr/bin/env bash
# Daily backup of the Trading AI store (Postgres: pg_dump custom format; SQLite: a consistent copy),
# keeping the newest BACKUP_KEEP files. Meant for cron, e.g. in /etc/cron.d/tradeai:
#
#   15 3 * * *  tradeai  /opt/tradeai/infra/scripts/backup_db.sh >> /var/log/tradeai-backup.log 2>&1
#
# DATABASE_URL (and STORE_BACKEND) come from the environment or, when unset there, from
# TRADEAI_ENV_FILE (default /etc/tradeai/tradeai.env). The URL is never printed; the Postgres
# password reaches pg_dump through PGPASSWORD, set by `tradeai db backup`, not on its command line.
#
# Settings (environment): BACKUP_DIR (default /var/backups/tradeai), BACKUP_KEEP (default 14),
# TRADEAI_BIN (default: tradeai on PATH, else /opt/tradeai/.venv/bin/tradeai).
set -euo pipefail
umask 077  # backups hold the whole risk book

env_file=${TRADEAI_ENV_FILE:-/etc/tradeai/tradeai.env}
backup_dir=${BACKUP_DIR:-/var/backups/tradeai}
keep=${BACKUP_KEEP:-14}

log() { printf '%s backup_db: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { log "error: $*"; exit 1; }

# shellcheck source=infra/scripts/env_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/env_lib.sh"

[[ $keep =~ ^[1-9][0-9]*$ ]] || fail "BACKUP_KEEP must be a whole number >= 1, got '$keep'"
: "${DATABASE_URL:=$(read_env DATABASE_URL)}"
: "${STORE_BACKEND:=$(read_env STORE_BACKEND)}"
[[ -n $DATABASE_URL ]] || fail "DATABASE_URL is not set and not found in $env_file"
if [[ -z $STORE_BACKEND ]]; then
    case $DATABASE_URL in postgres*) STORE_BACKEND=postgres ;; *) STORE_BACKEND=sqlite ;; esac
fi
export DATABASE_URL STORE_BACKEND

find_tradeai

mkdir -p "$backup_dir"
exec 9>"$backup_dir/.backup.lock"
flock -n 9 || fail "another backup is running (lock $backup_dir/.backup.lock)"

suffix=$([[ $STORE_BACKEND == postgres ]] && echo dump || echo db)
target="$backup_dir/tradeai-$(date -u +%Y%m%dT%H%M%SZ).$suffix"
"$tradeai_bin" db backup --out "$target" || fail "tradeai db backup failed; older backups were kept"
log "wrote $target ($(stat -c %s "$target") bytes)"

# Names sort by time; remove all but the newest $keep (only after a successful backup).
mapfile -t backups < <(find "$backup_dir" -maxdepth 1 -type f \( -name 'tradeai-*.dump' -o -name 'tradeai-*.db' \) \
    | sort)
excess=$(( ${#backups[@]} - keep ))
for (( i = 0; i < excess; i++ )); do
    rm -f -- "${backups[$i]}"
    log "removed old backup ${backups[$i]}"
done
