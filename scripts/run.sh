#!/usr/bin/env bash
# Starts the action server and the Rasa server in the foreground; Ctrl-C
# stops both. All settings come from the environment, with single-machine
# defaults (SQLite tracker store in var/).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

export RASA_HOST="${RASA_HOST:-127.0.0.1}"
export RASA_PORT="${RASA_PORT:-5005}"
export ACTIONS_PORT="${ACTIONS_PORT:-5055}"
# The action server has no authentication: anyone who reaches it can run
# actions for any conversation. Loopback only, unless a deployment puts it on
# a private network (see README, "Scaling out").
export ACTIONS_HOST="${ACTIONS_HOST:-127.0.0.1}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:${ACTIONS_PORT}/webhook}"
export RASA_MODEL="${RASA_MODEL:-models/clinic-bot.tar.gz}"
mkdir -p var
export TRACKER_DB_URL="${TRACKER_DB_URL:-sqlite:///$PWD/var/tracker.db}"
scheme="${TRACKER_DB_URL%%:*}"
export TRACKER_DB_DIALECT="${TRACKER_DB_DIALECT:-${scheme%%+*}}"
# The staff console's own database: the action server erases a patient's console
# notes and corrections there when they delete their conversation.
export STAFF_DB_URL="${STAFF_DB_URL:-sqlite:///$PWD/var/staff.db}"
# Turns the tracker database could not take wait here until it is back; one
# file per Rasa instance (two instances on one machine differ by port).
export TRACKER_SPOOL_PATH="${TRACKER_SPOOL_PATH:-$PWD/var/tracker-spool-${RASA_PORT}.db}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
# Patients' health conversations: no telemetry or crash reports leave the machine.
export RASA_TELEMETRY_ENABLED=false
# How long queued messages of one conversation may wait for its lock (Rasa's
# default, 60 s, is too short for a burst on a busy machine).
export TICKET_LOCK_LIFETIME="${TICKET_LOCK_LIFETIME:-300}"
# Which services to start; tests start them one at a time.
SERVICES=" ${SERVICES:-actions rasa webchat console alerts} "

# Quiet unless VERBOSE=1: warnings and errors only (LOG_LEVEL, default WARNING),
# no library deprecation notices or progress bars, and one block with the
# addresses once everything answers. VERBOSE=1 shows every service's messages.
if [ "${VERBOSE:-0}" = 1 ]; then
  export LOG_LEVEL="${LOG_LEVEL:-INFO}"
  rasa_cli=("$bin/rasa")
else
  export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
  export TQDM_DISABLE=1
  # Sanic turns every library's DeprecationWarning on; see the script.
  rasa_cli=("$bin/python" scripts/rasa_quietly.py)
fi
case "$LOG_LEVEL" in
  DEBUG) rasa_log_level=(-vv) ;;
  INFO) rasa_log_level=(-v) ;;
  *) rasa_log_level=(--quiet) ;;
esac

if [[ "$SERVICES" == *" rasa "* ]]; then
  if [ ! -f "$RASA_MODEL" ]; then
    echo "error: no trained model at $RASA_MODEL; run 'make run' (it trains first)" >&2
    exit 1
  fi
  "$bin/python" -m clinicbot.preflight
fi

export WEBCHAT_PORT="${WEBCHAT_PORT:-8080}"
# Browsers may call the REST webhook only from the clinic's own pages.
WEBCHAT_ORIGINS="${WEBCHAT_ORIGINS:-http://127.0.0.1:${WEBCHAT_PORT} http://localhost:${WEBCHAT_PORT}}"
read -r -a cors_origins <<<"$WEBCHAT_ORIGINS"

# The HTTP API (/model/parse, trackers, PUT /model for `make retrain`) always
# needs a token. Without RASA_AUTH_TOKEN one is made once, readable only by
# this user, in var/rasa-api-token (RASA_AUTH_TOKEN_FILE to move it).
token_file="${RASA_AUTH_TOKEN_FILE:-var/rasa-api-token}"
if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  if [ ! -s "$token_file" ]; then
    (umask 077 && "$bin/python" -c "import secrets; print(secrets.token_urlsafe(32))" >"$token_file")
  fi
  RASA_AUTH_TOKEN="$(cat "$token_file")"
fi
# The product's own calls (widget server, staff console: clinicbot/rasa_api.py)
# use Rasa's JWT support instead, each token scoped to one conversation.
# Without RASA_JWT_SECRET one is made once in var/rasa-jwt-secret (mode 0600).
jwt_file="${RASA_JWT_SECRET_FILE:-var/rasa-jwt-secret}"
if [ -z "${RASA_JWT_SECRET:-}" ]; then
  if [ ! -s "$jwt_file" ]; then
    (umask 077 && "$bin/python" -c "import secrets; print(secrets.token_urlsafe(48))" >"$jwt_file")
  fi
  RASA_JWT_SECRET="$(cat "$jwt_file")"
fi
export RASA_JWT_SECRET
api_args=(--cors "${cors_origins[@]}" --enable-api --auth-token "$RASA_AUTH_TOKEN"
  --jwt-secret "$RASA_JWT_SECRET" --jwt-method HS256)
# The audit log names an erased patient by a keyed hash (HMAC-SHA256) of their sender
# id; the console and the action server must hash with the same key.
erasure_key_file="${ERASURE_AUDIT_KEY_FILE:-var/erasure-audit-key}"
if [ -z "${ERASURE_AUDIT_KEY:-}" ]; then
  if [ ! -s "$erasure_key_file" ]; then
    (umask 077 && "$bin/python" -c "import secrets; print(secrets.token_hex(32))" >"$erasure_key_file")
  fi
  ERASURE_AUDIT_KEY="$(cat "$erasure_key_file")"
fi
export ERASURE_AUDIT_KEY

if [[ "$SERVICES" == *" alerts "* ]]; then
  # A mistake in the alert settings stops here, with one line naming it.
  "$bin/python" -m alerts check >/dev/null
fi
if [[ "$SERVICES" == *" console "* || "$SERVICES" == *" alerts "* ]]; then
  # Once, before the console and the alerts worker start, so they never migrate at once.
  "$bin/python" -m console migrate >/dev/null
fi

pids=()
addresses=()
address() { addresses+=("$(printf '  %-19s %s' "$1:" "$2")"); }
started() {  # also said at once when VERBOSE=1 or when there is no Rasa server to wait for
  address "$1" "$2"
  if [ "${VERBOSE:-0}" = 1 ] || [[ "$SERVICES" != *" rasa "* ]]; then echo "$1: $2"; fi
}
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# The console and the widget server print their address on stdout (errors
# go to stderr); quietly, the block below says it instead.
if [ "${VERBOSE:-0}" = 1 ] || [[ "$SERVICES" != *" rasa "* ]]; then
  started_line=/dev/stdout
else
  started_line=/dev/null
fi
if [[ "$SERVICES" == *" rasa "* ]] && [ "${VERBOSE:-0}" != 1 ]; then
  echo "Starting the clinic bot (about a minute; VERBOSE=1 make run shows every log line)..."
fi

if [[ "$SERVICES" == *" actions "* ]]; then
  SANIC_HOST="$ACTIONS_HOST" "${rasa_cli[@]}" run actions --actions actions --port "$ACTIONS_PORT" "${rasa_log_level[@]}" &
  pids+=($!)
  started "Action server" "http://$ACTIONS_HOST:$ACTIONS_PORT/health"
fi
if [[ "$SERVICES" == *" webchat "* ]]; then
  "$bin/python" widget/serve.py >"$started_line" &
  pids+=($!)
  started "Web chat demo page" "http://${WEBCHAT_HOST:-127.0.0.1}:$WEBCHAT_PORT/"
fi
if [[ "$SERVICES" == *" console "* ]]; then
  "$bin/python" -m console serve >"$started_line" &
  pids+=($!)
  started "Staff console" "http://${STAFF_HOST:-127.0.0.1}:${STAFF_PORT:-8081}/"
  admin_hint="First staff admin (once): .venv/bin/python -m console create-admin --username NAME"
fi
if [[ "$SERVICES" == *" alerts "* ]]; then
  "$bin/python" -m alerts &
  pids+=($!)
  started "Red-flag alerts" "python -m alerts, channels from clinic/clinic.yml 'alerts:' (README \"Red-flag alerts\")"
fi
if [[ "$SERVICES" != *" rasa "* ]]; then
  wait -n "${pids[@]}"
  exit
fi
"${rasa_cli[@]}" run --model "$RASA_MODEL" --endpoints "${RASA_ENDPOINTS:-endpoints.yml}" --credentials credentials.yml \
  --interface "$RASA_HOST" --port "$RASA_PORT" "${api_args[@]}" "${rasa_log_level[@]}" &
rasa_pid=$!
pids+=("$rasa_pid")

for _ in $(seq 1 300); do
  if ! kill -0 "$rasa_pid" 2>/dev/null; then
    echo "error: the Rasa server stopped during start-up (see the messages above)" >&2
    exit 1
  fi
  if curl -fs "http://$RASA_HOST:$RASA_PORT/" >/dev/null 2>&1; then
    address "REST webhook" "http://$RASA_HOST:$RASA_PORT/webhooks/rest/webhook"
    address "HTTP API" "http://$RASA_HOST:$RASA_PORT/model/parse (token: RASA_AUTH_TOKEN or $token_file)"
    address "Tracker store" "$TRACKER_DB_DIALECT"
    echo
    echo "Clinic bot is running:"
    printf '%s\n' "${addresses[@]}"
    if [ -n "${admin_hint:-}" ]; then echo "$admin_hint"; fi
    echo "Press Ctrl-C to stop."
    break
  fi
  sleep 1
done
wait -n "${pids[@]}"
