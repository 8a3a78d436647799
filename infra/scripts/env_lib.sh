# Shared by the infra scripts (sourced, not run): read settings from the env file without sourcing
# it (it is data, not a script) and find the tradeai executable.
# Expects $env_file (the EnvironmentFile, e.g. /etc/tradeai/tradeai.env) and a fail function.

# Read KEY=VALUE from the env file; the last assignment wins, surrounding quotes are dropped.
read_env() {
    local key=$1 line value
    [[ -r $env_file ]] || return 0
    line=$(grep -E "^[[:space:]]*(export[[:space:]]+)?${key}=" "$env_file" | tail -n 1) || return 0
    value=${line#*=}
    value=${value%$'\r'}
    value=${value#\"}; value=${value%\"}
    value=${value#\'}; value=${value%\'}
    printf '%s' "$value"
}

# TRADEAI_BIN, else tradeai on PATH, else the service's virtualenv.
find_tradeai() {
    if [[ -n ${TRADEAI_BIN:-} ]]; then
        tradeai_bin=$TRADEAI_BIN
    elif command -v tradeai >/dev/null 2>&1; then
        tradeai_bin=$(command -v tradeai)
    else
        tradeai_bin=/opt/tradeai/.venv/bin/tradeai
    fi
    [[ -x $tradeai_bin ]] || fail "tradeai not found at $tradeai_bin (set TRADEAI_BIN)"
}
