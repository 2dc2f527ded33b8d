#!/usr/bin/env bash
# Prints the path of a Python interpreter that Rasa 3.6 supports (3.8-3.10).
# Rasa 3.6 will not install on 3.11+, and many machines default to a newer
# python3, so we look in the usual places before giving up with advice.
set -u

is_supported() {
  "$1" -c 'import sys, venv; sys.exit(0 if (3, 8) <= sys.version_info[:2] <= (3, 10) else 1)' >/dev/null 2>&1
}

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for minor in 10 9 8; do
  command -v "python3.$minor" >/dev/null 2>&1 && candidates+=("$(command -v "python3.$minor")")
  for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$minor".*; do
    [ -x "$dir/bin/python3.$minor" ] && candidates+=("$dir/bin/python3.$minor")
  done
  for prefix in /usr/bin /usr/local/bin /opt/homebrew/bin; do
    [ -x "$prefix/python3.$minor" ] && candidates+=("$prefix/python3.$minor")
  done
done
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")

for candidate in "${candidates[@]}"; do
  if is_supported "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

cat >&2 <<'MSG'
error: no Python 3.8, 3.9 or 3.10 interpreter found.
Rasa Open Source 3.6 only runs on Python 3.8-3.10. Install one, for example:
  pyenv install 3.10.13          (pyenv)
  apt-get install python3.10 python3.10-venv   (Debian/Ubuntu, where packaged)
or point the build at one with:  make run PYTHON=/path/to/python3.10
MSG
exit 1
