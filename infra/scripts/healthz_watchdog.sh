#!/usr/bin/env bash
# The runtime's watchdog on a systemd VPS (tradeai-healthz.timer, every minute): asks GET /healthz
# and restarts tradeai.service when the scans have stopped coming (a hung process). A store that is
# down is only reported: a restart does not bring a database back, and the runtime already waits
# for it. Exit 0 healthy, 1 unhealthy (the journal says why), 2 the runtime did not answer at all.
set -uo pipefail

url="${HEALTHZ_URL:-http://127.0.0.1:${HEALTH_PORT:-8080}/healthz}"
unit="${TRADEAI_UNIT:-tradeai.service}"

if ! body="$(curl -sS --max-time 5 -w '\n%{http_code}' "$url" 2>&1)"; then
  echo "healthz: no answer from $url: $body" >&2
  systemctl is-active --quiet "$unit" && systemctl restart "$unit" && echo "healthz: restarted $unit" >&2
  exit 2
fi
code="${body##*$'\n'}"
json="${body%$'\n'*}"
if [ "$code" = "200" ]; then
  exit 0
fi
echo "healthz: $code $json" >&2
if printf '%s' "$json" | grep -qE '(the last scan|no scan yet,) was'; then  # the loop is stuck
  systemctl restart "$unit" && echo "healthz: restarted $unit (scans stopped)" >&2
fi
exit 1
