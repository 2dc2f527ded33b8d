#!/usr/bin/env bash
# Creates the project virtualenv (if missing) and installs the exact pins.
set -euo pipefail
venv_dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"

if [ ! -x "$venv_dir/bin/python" ] || ! "$here/find-python.sh" >/dev/null 2>&1 \
   || ! PYTHON="$venv_dir/bin/python" "$here/find-python.sh" >/dev/null 2>&1; then
  interpreter="$("$here/find-python.sh")"
  echo "Creating $venv_dir with $interpreter ($("$interpreter" --version 2>&1))"
  rm -rf "$venv_dir"
  "$interpreter" -m venv "$venv_dir"
fi
"$venv_dir/bin/python" -m pip install --quiet --disable-pip-version-check pip==24.0 setuptools==70.3.0 wheel==0.45.1
"$venv_dir/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
