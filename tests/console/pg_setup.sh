#!/usr/bin/env bash
# A throwaway PostgreSQL server for the console's PostgreSQL tests.
#
#   eval "$(tests/console/pg_setup.sh start)"   # exports CONSOLE_TEST_POSTGRES_URL
#   .venv/bin/python -m pytest tests/console
#   tests/console/pg_setup.sh stop
#
# Needs Debian's `postgresql` package (server binaries in /usr/lib/postgresql/<v>/bin);
# the system cluster is not used or changed. The server listens on 127.0.0.1 only, on
# a free port, with trust authentication for the role `console` (a test-only cluster);
# the tests create and drop their own database in it. As root, the server runs as the
# `postgres` user because initdb refuses to run as root.
set -euo pipefail
state="${CONSOLE_PG_DIR:-${TMPDIR:-/tmp}/console-test-pg}"
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "error: PostgreSQL server binaries not found; install them: apt-get install -y postgresql" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
url() { echo "export CONSOLE_TEST_POSTGRES_URL=postgresql://console@127.0.0.1:$(cat "$state/port")/postgres"; }

case "${1:-start}" in
  start)
    if [ -f "$state/port" ] && as_owner "$bindir/pg_ctl" -D "$state/data" status >/dev/null 2>&1; then
      url
      exit 0
    fi
    rm -rf "$state"
    mkdir -p "$state"
    [ "$(id -u)" -eq 0 ] && chown postgres "$state"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_owner "$bindir/initdb" -D "$state/data" -U console --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$state/initdb.log" 2>&1 || { cat "$state/initdb.log" >&2; exit 1; }
    as_owner "$bindir/pg_ctl" -D "$state/data" -l "$state/server.log" -w \
      -o "-p $port -k $state -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
      || { cat "$state/server.log" >&2; exit 1; }
    echo "$port" >"$state/port"
    url
    ;;
  stop)
    if [ -d "$state/data" ]; then
      as_owner "$bindir/pg_ctl" -D "$state/data" -m fast stop >/dev/null 2>&1 || true
    fi
    rm -rf "$state"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
